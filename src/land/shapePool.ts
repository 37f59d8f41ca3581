/**
 * The coordinate checks of a shape (shapeProblems) in a worker thread, so that a polygon of tens
 * of thousands of vertices never holds the event loop: other requests, `/api/health` among them,
 * are answered while it is checked. Small shapes, which take well under a millisecond, are
 * checked in place. A check still running at its request's deadline is abandoned and its worker
 * replaced, so no input can keep the worker busy either.
 */
import { Worker } from 'node:worker_threads';
import { currentDeadlineMs, deadlineExceeded, remainingMs } from '../deadline.ts';
import { type PendingJob, serveJobs, settleReply, type WorkerReply } from '../workerJobs.ts';
import { type GeometryProblem, type PolygonGeometry, shapeProblems } from './geometry.ts';

/** Below this many vertices a shape is checked in place: a worker round trip would cost more. */
export const IN_PLACE_VERTICES = 2_000;

const ROLE = 'safeground-shape-worker';

/** A shape as it crosses to the worker: each ring's longitudes and latitudes packed in one array, cheap to transfer. */
interface PackedShape {
  type: PolygonGeometry['type'];
  polygons: Float64Array[][];
}

function pack(geometry: PolygonGeometry): PackedShape {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return {
    type: geometry.type,
    polygons: polygons.map((rings) =>
      rings.map((ring) => {
        const packed = new Float64Array(ring.length * 2);
        ring.forEach((q, i) => {
          packed[2 * i] = q[0]!;
          packed[2 * i + 1] = q[1]!;
        });
        return packed;
      }),
    ),
  };
}

function unpack(shape: PackedShape): PolygonGeometry {
  const polygons = shape.polygons.map((rings) => rings.map((packed) => Array.from({ length: packed.length / 2 }, (_, i) => [packed[2 * i]!, packed[2 * i + 1]!])));
  return shape.type === 'Polygon' ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };
}

export function vertexCount(geometry: PolygonGeometry): number {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.reduce((sum, rings) => sum + rings.reduce((s, ring) => s + ring.length, 0), 0);
}

/** One worker, started when first needed and replaced when a check overruns; it never keeps the process alive. */
class ShapePool {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, PendingJob<GeometryProblem[]>>();
  private nextId = 0;

  private start(): Worker {
    const worker = new Worker(new URL('./shapeWorker.js', import.meta.url), { workerData: ROLE, execArgv: [] });
    worker.on('message', (reply: WorkerReply<GeometryProblem[]>) => settleReply(this.pending, reply));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', () => this.fail(worker, new Error('The shape-check worker stopped')));
    // After the listeners, which would hold the process open again.
    worker.unref();
    return worker;
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }

  check(geometry: PolygonGeometry, timeoutMs: number, deadlineMs: number): Promise<GeometryProblem[]> {
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.nextId++;
    const shape = pack(geometry);
    return new Promise<GeometryProblem[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(deadlineExceeded(deadlineMs));
        // The worker is busy with the overrunning check (and any queued behind it): start afresh.
        this.fail(worker, deadlineExceeded(deadlineMs));
        void worker.terminate();
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage({ id, job: shape }, shape.polygons.flat().map((ring) => ring.buffer as ArrayBuffer));
    });
  }
}

const pool = new ShapePool();

/** Longest a check outside any request (the CLI, tests) may run in the worker. */
const WITHOUT_DEADLINE_MS = 60_000;

/** shapeProblems, off the event loop for large shapes and bounded by the request's deadline. */
export async function checkShape(geometry: PolygonGeometry): Promise<GeometryProblem[]> {
  if (vertexCount(geometry) < IN_PLACE_VERTICES) return shapeProblems(geometry);
  return pool.check(geometry, remainingMs() ?? WITHOUT_DEADLINE_MS, currentDeadlineMs() ?? WITHOUT_DEADLINE_MS);
}

serveJobs(ROLE, (shape: PackedShape) => shapeProblems(unpack(shape)));
