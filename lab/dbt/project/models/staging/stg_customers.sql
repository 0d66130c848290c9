-- customer_id is renamed to client_id: the columnLineage facet maps it back to raw.customers.customer_id
select
    customer_id as client_id,
    first_name || ' ' || last_name as full_name,
    lower(email) as email,
    country,
    created_at as signed_up_at
from {{ source('raw', 'customers') }}
