-- Ingestion CPU (bench/lineage-ingest.ts, profiled with perf): two costs that bought nothing.
--
-- Planner statistics of jsonb columns: no query filters or joins on them, yet ANALYZE sorted their
-- sampled values with jsonb comparisons, and the analyze after each doubling of the tables took a
-- fifth of PostgreSQL's CPU while it ran.
ALTER TABLE lineage_datasets ALTER COLUMN facets SET STATISTICS 0, ALTER COLUMN facet_hashes SET STATISTICS 0;
ALTER TABLE lineage_jobs ALTER COLUMN facets SET STATISTICS 0;
ALTER TABLE lineage_runs ALTER COLUMN facets SET STATISTICS 0;
ALTER TABLE lineage_dataset_versions ALTER COLUMN fields SET STATISTICS 0;
ALTER TABLE lineage_column_edges ALTER COLUMN transformations SET STATISTICS 0;
--
-- Foreign keys of the rows every run adds (its run, inputs and outputs, dataset versions): each row
-- ran a locking lookup of its parent, ~8% of PostgreSQL's CPU. The same transaction has just upserted
-- those parents and fetched their ids, and datasets and jobs are never deleted. Edges, column edges and
-- job versions, written far less often, keep theirs.
ALTER TABLE lineage_runs DROP CONSTRAINT IF EXISTS lineage_runs_job_id_fkey;
ALTER TABLE lineage_run_io DROP CONSTRAINT IF EXISTS lineage_run_io_dataset_id_fkey;
ALTER TABLE lineage_dataset_versions DROP CONSTRAINT IF EXISTS lineage_dataset_versions_dataset_id_fkey;
