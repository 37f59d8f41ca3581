/**
 * Audits of many records spread over worker threads. A record's audit is pure computation on its
 * definition and the coordinates of its finds, and most of a batch audit's time (the significance
 * test's refits), so workers audit while the main thread loads the next records' finds; the
 * results are the same as auditing in the main thread, record for record.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type PendingJob, serveJobs, settleReply, type WorkerReply } from '../workerJobs.ts';
import { auditBlockers, auditRecordPoints, skipReason, type AuditOptions, type AuditPoints, type AuditResult } from './audit.ts';
import type { MinefieldRecord } from './format.ts';
import { reconstruct, type Problem } from './reconstruct.ts';

export interface AuditTask {
  record: MinefieldRecord;
  points: AuditPoints;
  options: AuditOptions;
}

/** The audit, or why the record was left out: the errors of its reconstruction (see `auditBlockers`). */
export type AuditOutcome = { audit: AuditResult } | { skipped: { reason: string; errors: Problem[] } };

export function runAuditTask(task: AuditTask): AuditOutcome {
  const reconstruction = reconstruct(task.record);
  const errors = auditBlockers(reconstruction);
  if (errors.length > 0 || reconstruction.origin === null) return { skipped: { reason: skipReason(reconstruction, errors), errors } };
  return { audit: auditRecordPoints(reconstruction, task.points, task.options) };
}

/** Workers worth starting for a batch: none for a few records, where starting them costs more than it saves. */
export function auditWorkerCount(records: number): number {
  return records < 50 ? 0 : Math.min(4, availableParallelism());
}

const ROLE = 'safeground-audit-worker';

/** A fixed set of workers; each takes the next waiting task when it is done with one. */
export class AuditPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<{ id: number; task: AuditTask }> = [];
  private readonly pending = new Map<number, PendingJob<AuditOutcome>>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      // execArgv: [] so that a `--import tsx` of the parent is not registered twice.
      const worker = new Worker(new URL('./auditWorker.js', import.meta.url), { workerData: ROLE, execArgv: [] });
      worker.on('message', (reply: WorkerReply<AuditOutcome>) => {
        settleReply(this.pending, reply);
        this.idle.push(worker);
        this.pump();
      });
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  run(task: AuditTask): Promise<AuditOutcome> {
    const id = this.nextId++;
    const done = new Promise<AuditOutcome>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.waiting.push({ id, task });
    this.pump();
    return done;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const { id, task } = this.waiting.shift()!;
      this.idle.pop()!.postMessage({ id, job: task });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

serveJobs(ROLE, runAuditTask);
