-- Faster ingestion (bench/lineage-ingest.ts): raw events are kept as the exact JSON text received
-- (json, uncompressed: compressing 2-10 kB bodies dominated insert time), and edges are no longer
-- rewritten on every event (supersession uses lineage_run_io instead of last_seen/last_run_id).
ALTER TABLE lineage_events ALTER COLUMN body TYPE json USING body::json;
ALTER TABLE lineage_events ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE lineage_edges DROP COLUMN IF EXISTS last_seen, DROP COLUMN IF EXISTS last_run_id;
ALTER TABLE lineage_column_edges DROP COLUMN IF EXISTS last_seen;
-- Per-facet digests, so an event repeating a dataset's facets does not rewrite its row, and a digest
-- of the columnLineage facet last applied, so repeated column lineage is not re-derived.
ALTER TABLE lineage_datasets ADD COLUMN IF NOT EXISTS facet_hashes jsonb NOT NULL DEFAULT '{}';
ALTER TABLE lineage_datasets ADD COLUMN IF NOT EXISTS column_lineage_hash text;
