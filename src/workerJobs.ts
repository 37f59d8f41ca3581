/**
 * How the main thread and the worker threads that take computation off the event loop
 * (land/shapePool.ts, records/auditPool.ts) talk: a job goes as `{ id, job }`, and the answer comes
 * back under the same id as the job's result or the message of the error it threw.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export type WorkerReply<R> = { id: number; result: R } | { id: number; error: string };

export interface PendingJob<R> {
  resolve(result: R): void;
  reject(error: Error): void;
}

/** Settles, and forgets, the job a reply answers; the reply to a job given up already is dropped. */
export function settleReply<R>(pending: Map<number, PendingJob<R>>, reply: WorkerReply<R>): void {
  const job = pending.get(reply.id);
  pending.delete(reply.id);
  if ('error' in reply) job?.reject(new Error(reply.error));
  else job?.resolve(reply.result);
}

/**
 * In a worker thread started with `role` as its workerData, answers each job with `work(job)`;
 * elsewhere does nothing. The job is whatever the main thread sent, so `work` takes it as its own.
 */
export function serveJobs(role: string, work: (job: never) => unknown): void {
  if (isMainThread || workerData !== role) return;
  parentPort?.on('message', ({ id, job }: { id: number; job: never }) => {
    try {
      parentPort?.postMessage({ id, result: work(job) } satisfies WorkerReply<unknown>);
    } catch (error) {
      parentPort?.postMessage({ id, error: (error as Error).message } satisfies WorkerReply<unknown>);
    }
  });
}
