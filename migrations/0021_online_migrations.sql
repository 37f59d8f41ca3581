-- safeground: no-transaction
-- Runs outside a transaction (src/store/migrate.ts, NO_TRANSACTION), so each statement must be
-- safe to run again. See docs/migrations.md.

-- The helper for changing a national-scale table without holding it locked: fill a new nullable
-- column in batches, each committed on its own, so no statement rewrites or locks the whole
-- table and a stopped backfill goes on where it stopped. Only from a migration that runs outside
-- a transaction (CALL can commit only there). `assignments` and `missing` are SQL text of the
-- migration itself, never of user input.
CREATE OR REPLACE PROCEDURE safeground_backfill(target regclass, assignments text, missing text, batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
  changed integer;
BEGIN
  LOOP
    EXECUTE format('UPDATE %s SET %s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s WHERE %s LIMIT %s))', target, assignments, target, missing, batch_size);
    GET DIAGNOSTICS changed = ROW_COUNT;
    EXIT WHEN changed = 0;
    COMMIT;
  END LOOP;
END
$$;

-- tile_change is pruned by age (src/tiles/cache.ts, pruneTileChanges): found by this index,
-- built without blocking the triggers that write the table.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tile_change_at_idx ON tile_change (at);
