-- Key figures a preset's probe read from the product (running apps, failed tasks), so followers and a
-- restarted replica show them too. NULL when the probe reported none.
ALTER TABLE service_results ADD COLUMN IF NOT EXISTS figures jsonb;
