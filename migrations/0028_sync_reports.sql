-- Sync (issue 15): reports travel between instances. A report keeps the instance it was made on
-- and its author's name there (user ids are not shared between instances); `conflict` holds,
-- for a report written against an older version than the record's current one, the three sides
-- (base, theirs, current) as they were when it arrived, until a person resolves it.
-- On a field instance, `pushed_at` and `sync_outcome` say what the server answered to its push.
ALTER TABLE report ADD COLUMN origin uuid NOT NULL DEFAULT safeground_instance_id();
ALTER TABLE report ADD COLUMN author text;
ALTER TABLE report ADD COLUMN conflict jsonb;
ALTER TABLE report ADD COLUMN conflict_resolved_by uuid REFERENCES app_user (id);
ALTER TABLE report ADD COLUMN conflict_resolved_at timestamptz;
ALTER TABLE report ADD COLUMN pushed_at timestamptz;
ALTER TABLE report ADD COLUMN sync_outcome text CHECK (sync_outcome IN ('accepted', 'duplicate', 'conflict', 'refused'));
ALTER TABLE report ADD COLUMN sync_message text;
CREATE INDEX report_unpushed_idx ON report (created_at) WHERE pushed_at IS NULL AND state IN ('submitted', 'verified');

-- What a field instance knows of each server it syncs with: where its pull stopped.
CREATE TABLE sync_peer (
  server text PRIMARY KEY,
  remote_instance uuid,
  cursor text,
  pulled_at timestamptz,
  pushed_at timestamptz
);
