-- Sync (issue 15): every Safeground instance (the national server, each field office) has a
-- stable id, made once when its store is first migrated, and every version of a record says on
-- which instance it was made (`origin`). Versions also get a change sequence number, the position
-- of the version in the changes feed (GET /api/sync/changes): numbers are given while a
-- transaction-level advisory lock is held, so a transaction that takes a number commits before
-- any other transaction can take the next, and the sequence order is the commit order (a reader
-- never sees number n+1 without n). See docs/sync.md.
CREATE TABLE instance (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO instance DEFAULT VALUES;

CREATE FUNCTION safeground_instance_id() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT id FROM instance $$;

CREATE SEQUENCE record_version_change_seq;

-- Serialises the writers of versions from their first version to their commit (see above).
CREATE FUNCTION safeground_next_change() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7240118);
  RETURN nextval('record_version_change_seq');
END $$;

ALTER TABLE record_version ADD COLUMN origin uuid NOT NULL DEFAULT safeground_instance_id();

-- Organisations become versioned records (their first version here; later ones are written by
-- src/access/store.ts), so they travel in the feed before the records that name them.
INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, change_reason)
SELECT 'organisation', id, version, created_at,
  jsonb_build_object('name', name, 'acronym', acronym, 'kind', kind, 'countryCode', country_code, 'active', active), 'organisation as it was when versions began'
FROM organisation;

ALTER TABLE record_version ADD COLUMN change_seq bigint;
UPDATE record_version v SET change_seq = o.n
FROM (SELECT entity_type, entity_id, version, row_number() OVER (ORDER BY valid_from, entity_type, entity_id, version) AS n FROM record_version) o
WHERE o.entity_type = v.entity_type AND o.entity_id = v.entity_id AND o.version = v.version;
SELECT setval('record_version_change_seq', COALESCE((SELECT max(change_seq) FROM record_version), 0) + 1, false);
ALTER TABLE record_version ALTER COLUMN change_seq SET DEFAULT safeground_next_change();
ALTER TABLE record_version ALTER COLUMN change_seq SET NOT NULL;
CREATE UNIQUE INDEX record_version_change_seq_idx ON record_version (change_seq);
