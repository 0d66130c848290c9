select
    c.client_id,
    c.full_name,
    c.country,
    count(o.order_id) as order_count,
    coalesce(sum(case when o.status <> 'returned' then o.amount else 0 end), 0) as lifetime_value,
    min(o.order_date) as first_order_date,
    max(o.order_date) as last_order_date
from {{ ref('stg_customers') }} as c
left join {{ ref('stg_orders') }} as o on o.client_id = c.client_id
group by c.client_id, c.full_name, c.country
