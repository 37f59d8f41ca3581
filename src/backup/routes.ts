import { Readable } from 'node:stream';
import { writeAudit } from '../access/store.ts';
import { UserError } from '../errors.ts';
import { route } from '../http/route.ts';
import type { PgliteDb } from '../store/pglite.ts';
import { safegroundVersion } from '../version.ts';
import { snapshotPglite } from './store.ts';

/** The response header that carries the manifest's facts about the snapshot (counts, migrations). */
export const MANIFEST_HEADER = 'safeground-backup-manifest';

/**
 * The embedded store's snapshot, for `safeground backup --server` while `serve` holds the store.
 * The server process is the only one that may open a PGlite folder, and an HTTP route reuses
 * what every request already has (authentication, the administrator's rights, the audit log),
 * where the unix socket of src/store/socket.ts would need a policy of its own and exists only
 * with --pg-port. On PostgreSQL the CLI runs pg_dump itself.
 */
export const backupRoutes = [
  route({
    method: 'POST',
    path: '/api/admin/backup',
    summary: 'A consistent snapshot of the embedded store as a gzipped tarball (administrators; `safeground backup --server` saves it with its checksum)',
    tag: 'system',
    permission: 'store.backup',
    longRunning: true,
    produces: 'application/gzip',
    ownTransactions: true,
    async handler({ db, actor, reply }) {
      if (db.backend !== 'pglite' || !('dump' in db)) {
        throw new UserError('This server runs on PostgreSQL: back it up with `safeground backup --database-url ...`, which runs pg_dump', 'bad_input');
      }
      const { tar, store } = await snapshotPglite(db as PgliteDb);
      await writeAudit(db, actor, 'POST /api/admin/backup', {}, { bytes: tar.size, migrationLevel: store.migrationLevel });
      reply.header(MANIFEST_HEADER, JSON.stringify({ safegroundVersion: safegroundVersion(), backend: 'pglite', createdAt: new Date().toISOString(), ...store }));
      reply.header('content-length', tar.size);
      return Readable.fromWeb(tar.stream());
    },
  }),
];
