-- Read replicas (issue 20): the WAL position just after a user's last write through the API, so
-- that a read of theirs goes to a streaming replica only once the replica has replayed that far
-- (read-your-writes, src/store/replicas.ts). Per user rather than per session or token, so a
-- change made in the browser is seen at once in QGIS too. Written only when replicas are set.
ALTER TABLE app_user ADD COLUMN last_write_lsn pg_lsn;
