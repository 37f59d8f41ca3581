/**
 * Plain SVG bar charts. Each chart is an image with a name, and the same figures follow in a
 * table (collapsed), so a screen reader or a spreadsheet user gets the numbers themselves.
 */
import type { ComponentChildren } from 'preact';
import { formatNumber, t } from '../i18n/index.ts';
import { Table } from '../ui.tsx';

export interface Series {
  key: string;
  label: string;
  colour: string;
}

/** Bars stacked by series for each category (months, years), with the axis in the given unit. */
export function StackedBars({ label, categories, series, value, unit, categoryLabel }: {
  label: string;
  categories: readonly string[];
  series: readonly Series[];
  value: (category: string, series: string) => number;
  unit: string;
  categoryLabel: (category: string) => string;
}) {
  const width = 760;
  const height = 260;
  const left = 64;
  const bottom = 36;
  const totals = categories.map((c) => series.reduce((sum, s) => sum + value(c, s.key), 0));
  const max = Math.max(...totals, 0) || 1;
  const barWidth = (width - left - 8) / Math.max(categories.length, 1);
  const y = (v: number) => ((height - bottom - 8) * v) / max;
  const labelEvery = Math.ceil(categories.length / 12);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        <line x1={left} y1={height - bottom} x2={width} y2={height - bottom} class="axis" />
        <text x={4} y={14} class="axis-label">
          {unit}
        </text>
        <text x={left - 6} y={18} class="tick" text-anchor="end">
          {formatNumber(max, 1)}
        </text>
        {categories.map((category, i) => {
          let top = height - bottom;
          return (
            <g key={category}>
              {series.map((s) => {
                const h = y(value(category, s.key));
                top -= h;
                return h > 0 ? (
                  <rect key={s.key} x={left + i * barWidth + 1} y={top} width={Math.max(barWidth - 2, 1)} height={h} fill={s.colour}>
                    <title>{`${categoryLabel(category)} · ${s.label}: ${formatNumber(value(category, s.key), 2)} ${unit}`}</title>
                  </rect>
                ) : null;
              })}
              {i % labelEvery === 0 ? (
                <text x={left + i * barWidth + barWidth / 2} y={height - bottom + 16} class="tick" text-anchor="middle">
                  {categoryLabel(category)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="plain inline">
          {series.map((s) => (
            <li key={s.key}>
              <span class="swatch" style={{ background: s.colour }} /> {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

/** Horizontal bars: one figure per labelled row. */
export function Bars({ label, rows, unit, digits = 0 }: { label: string; rows: readonly { key: string; label: string; value: number }[]; unit: string; digits?: number }) {
  const max = Math.max(...rows.map((r) => r.value), 0) || 1;
  return (
    <div class="bars" role="group" aria-label={label}>
      {rows.map((row) => (
        <div class="bar-row" key={row.key}>
          <span class="bar-label">{row.label}</span>
          <span class="bar-track" aria-hidden="true">
            <span class="bar" style={{ width: `${(100 * row.value) / max}%` }} />
          </span>
          <span class="bar-value">
            {formatNumber(row.value, digits)} {unit}
          </span>
        </div>
      ))}
    </div>
  );
}

export function FiguresTable({ caption, head, rows }: { caption: string; head: readonly string[]; rows: readonly (readonly ComponentChildren[])[] }) {
  return (
    <details>
      <summary>{t('dashboards.showTable')}</summary>
      <Table<readonly ComponentChildren[]> caption={caption} rows={rows} rowKey={(_, i) => i} columns={head.map((heading, j) => ({ heading, cell: (row) => row[j] }))} />
    </details>
  );
}
