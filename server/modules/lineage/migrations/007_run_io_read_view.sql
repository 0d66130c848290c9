-- Part of the lineage module's published read interface (see 006): the datasets each run read ('in') and
-- wrote ('out'). Add columns, never rename or drop them.
CREATE OR REPLACE VIEW lineage_run_io_v1 AS
SELECT io.run_id, d.namespace, d.name, io.direction, io.at
  FROM lineage_run_io io
  JOIN lineage_datasets d ON d.id = io.dataset_id;
