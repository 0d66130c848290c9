{# Use the folder's +schema as is ("staging", "marts") instead of dbt's default
   "<target schema>_<custom schema>", so dataset names read <db>.staging.stg_orders. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
