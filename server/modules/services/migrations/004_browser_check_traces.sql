-- The Playwright trace of a failed browser check (masked zip), kept and deleted with its screenshot; when
-- none was kept, why (over the size limit, browser gone).
ALTER TABLE browser_check_shots ADD COLUMN IF NOT EXISTS trace bytea;
ALTER TABLE browser_check_shots ADD COLUMN IF NOT EXISTS trace_note text;
