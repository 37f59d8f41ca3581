import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * One line of the benchmark table: a figure measured for Safeground and, where there is one,
 * for a reference doing the same work (hand-written SQL, GDAL, raw COPY), so the ratio says how
 * much Safeground's own layers cost. Lower is better unless `higherIsBetter`.
 */
export interface Figure {
  figure: string;
  unit: string;
  safeground: number;
  reference?: { name: string; value: number };
  higherIsBetter?: boolean;
  /** A target from the performance issue, and whether it was met. */
  target?: { text: string; met: boolean };
}

/** Median of `runs` timed runs after `warmup` untimed ones, in milliseconds. */
export async function medianMs(fn: () => Promise<unknown>, options: { runs?: number; warmup?: number } = {}): Promise<number> {
  const { runs = 5, warmup = 1 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('Unexpected empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function ratio(f: Figure): number | null {
  if (!f.reference || f.reference.value === 0) return null;
  return f.higherIsBetter ? f.reference.value / f.safeground : f.safeground / f.reference.value;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

/** The table as Markdown, for the terminal and for the README. */
export function table(figures: readonly Figure[]): string {
  const lines = ['| figure | Safeground | reference | ratio (cost vs reference) | target |', '|---|---:|---:|---:|---|'];
  for (const f of figures) {
    const r = ratio(f);
    lines.push(
      `| ${f.figure} | ${fmt(f.safeground)} ${f.unit} | ${f.reference ? `${fmt(f.reference.value)} ${f.unit} (${f.reference.name})` : '-'} | ${r === null ? '-' : `${r.toFixed(2)}×`} | ${f.target ? `${f.target.text}: ${f.target.met ? 'met' : 'NOT met'}` : '-'} |`,
    );
  }
  return lines.join('\n');
}

export function machineFacts() {
  const cpu = cpus();
  return { node: process.version, platform: process.platform, arch: process.arch, cpuModel: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30) };
}
