-- The derived tables grow fast from empty; planner statistics that lag behind them turned a 100 ms
-- statement into minutes (nested loops planned for "tiny" tables). Analyze them sooner.
ALTER TABLE lineage_edges SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
ALTER TABLE lineage_run_io SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
ALTER TABLE lineage_column_edges SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
ALTER TABLE lineage_datasets SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
ALTER TABLE lineage_jobs SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
ALTER TABLE lineage_runs SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
