select
    order_id,
    customer_id as client_id,
    order_date,
    status,
    amount_cents / 100.0 as amount
from {{ source('raw', 'orders') }}
