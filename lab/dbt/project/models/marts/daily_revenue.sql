select
    order_date,
    count(order_id) as order_count,
    sum(amount) as revenue
from {{ ref('stg_orders') }}
where status in ('completed', 'shipped')
group by order_date
