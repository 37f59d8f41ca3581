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

-- Attachments (photos, scans) of reports, uploaded in resumable chunks and named by the SHA-256
-- of their content, which is checked when the last byte arrives. Kept in the store so that every
-- API process of a server sees the same uploads.
CREATE TABLE attachment (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  received_bytes bigint NOT NULL DEFAULT 0 CHECK (received_bytes <= size_bytes),
  complete boolean NOT NULL DEFAULT false,
  content bytea NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id)
);

CREATE TABLE report_attachment (
  report_id uuid NOT NULL REFERENCES report (id) ON DELETE CASCADE,
  sha256 text NOT NULL REFERENCES attachment (sha256),
  PRIMARY KEY (report_id, sha256)
);
