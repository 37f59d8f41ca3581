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
  /** The median where the figure was timed more than once. */
  safeground: number;
  /** The runs behind a median: how many, and the fastest and slowest. */
  spread?: Spread;
  reference?: { name: string; value: number; spread?: Spread };
  higherIsBetter?: boolean;
  /** A target from the performance issue, and whether it was met. */
  target?: { text: string; met: boolean };
}

export interface Spread {
  runs: number;
  min: number;
  max: number;
}

/** The median of timed runs, with their spread. */
export interface Sample extends Spread {
  median: number;
}

/** At least this many timed runs behind every median, so that one slow or lucky run cannot make a figure. */
export const MIN_RUNS = 5;

export function sampleOf(values: readonly number[]): Sample {
  return { median: percentile(values, 50), runs: values.length, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * `runs` timed runs (at least MIN_RUNS) after `warmup` untimed ones, in milliseconds. Safeground
 * and its reference are measured with the same options, so neither is warm where the other is cold.
 */
export async function sampleMs(fn: () => Promise<unknown>, options: { runs?: number; warmup?: number } = {}): Promise<Sample> {
  const { runs = MIN_RUNS, warmup = 1 } = options;
  if (runs < MIN_RUNS) throw new Error(`A median needs at least ${MIN_RUNS} runs (asked for ${runs})`);
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return sampleOf(times);
}

/** A timed figure beside its reference, both from samples. */
export function timedFigure(figure: string, sample: Sample, reference?: { name: string; sample: Sample }): Figure {
  const { median, ...spread } = sample;
  return {
    figure,
    unit: 'ms',
    safeground: median,
    spread,
    ...(reference ? { reference: { name: reference.name, value: reference.sample.median, spread: { runs: reference.sample.runs, min: reference.sample.min, max: reference.sample.max } } } : {}),
  };
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

function withSpread(value: number, unit: string, spread: Spread | undefined): string {
  return spread ? `${fmt(value)} ${unit} (${fmt(spread.min)}–${fmt(spread.max)}, ${spread.runs} runs)` : `${fmt(value)} ${unit}`;
}

/** Figures that make the run fail: a benchmark that did not finish, or a target missed. */
export function failures(figures: readonly Figure[]): Figure[] {
  return figures.filter((f) => Number.isNaN(f.safeground) || (f.target !== undefined && !f.target.met));
}

/** The table as Markdown, for the terminal and for the README. */
export function table(figures: readonly Figure[]): string {
  const lines = ['| figure | Safeground | reference | ratio (cost vs reference) | target |', '|---|---:|---:|---:|---|'];
  for (const f of figures) {
    const r = ratio(f);
    lines.push(
      `| ${f.figure} | ${withSpread(f.safeground, f.unit, f.spread)} | ${f.reference ? `${withSpread(f.reference.value, f.unit, f.reference.spread)} (${f.reference.name})` : '-'} | ${r === null ? '-' : `${r.toFixed(2)}×`} | ${f.target ? `${f.target.text}: ${f.target.met ? 'met' : 'NOT met'}` : '-'} |`,
    );
  }
  return lines.join('\n');
}

export function machineFacts() {
  const cpu = cpus();
  return { node: process.version, platform: process.platform, arch: process.arch, cpuModel: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30) };
}
