import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RegistryKind } from './registries.js';

export type MetricId =
  | 'push.monolithic'
  | 'push.chunked'
  | 'pull'
  | 'small.sequential'
  | 'small.concurrent'
  | 'manifest.rps'
  | 'manifest.p99'
  | 'memory.start'
  | 'memory.idle'
  | 'memory.peak'
  | 'big.idle'
  | 'big.peak'
  | 'big.growth'
  | 'big.throughput';

type Target =
  /** Stowage/distribution must be at least this. */
  | { ratioAtLeast: number }
  /** Stowage/distribution must be at most this. */
  | { ratioAtMost: number }
  /** Stowage's own value must be below this. */
  | { stowageBelow: number };

interface MetricSpec {
  id: MetricId;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  digits: number;
  target?: Target;
}

/** Rows of the results table, in order. The `big.*` metrics are measured for Stowage only. */
const METRICS: MetricSpec[] = [
  { id: 'push.monolithic', label: 'blob push, monolithic', unit: 'MB/s', better: 'higher', digits: 0, target: { ratioAtLeast: 1.2 } },
  { id: 'push.chunked', label: 'blob push, chunked', unit: 'MB/s', better: 'higher', digits: 0, target: { ratioAtLeast: 1.2 } },
  { id: 'pull', label: 'blob pull', unit: 'MB/s', better: 'higher', digits: 0, target: { ratioAtLeast: 1.3 } },
  { id: 'small.sequential', label: 'small image pushes, sequential', unit: 'ops/s', better: 'higher', digits: 0, target: { ratioAtLeast: 2 } },
  { id: 'small.concurrent', label: 'small image pushes, 16 clients', unit: 'ops/s', better: 'higher', digits: 0, target: { ratioAtLeast: 2 } },
  { id: 'manifest.rps', label: 'manifest GET', unit: 'req/s', better: 'higher', digits: 0, target: { ratioAtLeast: 5 } },
  { id: 'manifest.p99', label: 'manifest GET p99 latency', unit: 'ms', better: 'lower', digits: 2, target: { ratioAtMost: 0.5 } },
  { id: 'memory.start', label: 'RSS 2 s after start', unit: 'MB', better: 'lower', digits: 0 },
  { id: 'memory.idle', label: 'RSS idle (15 s after start)', unit: 'MB', better: 'lower', digits: 0, target: { stowageBelow: 100 } },
  { id: 'memory.peak', label: 'RSS peak under load', unit: 'MB', better: 'lower', digits: 0 },
  { id: 'big.throughput', label: 'big blob push (memory check)', unit: 'MB/s', better: 'higher', digits: 0 },
  { id: 'big.idle', label: 'big blob push: RSS idle before', unit: 'MB', better: 'lower', digits: 0 },
  { id: 'big.peak', label: 'big blob push: RSS peak', unit: 'MB', better: 'lower', digits: 0 },
  { id: 'big.growth', label: 'big blob push: RSS growth', unit: 'MB', better: 'lower', digits: 0 },
];

export type Metrics = Partial<Record<MetricId, number>>;

/** Every round's metrics per registry. */
export type Results = Record<RegistryKind, Metrics[]>;

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function valuesOf(results: Metrics[], id: MetricId): number[] {
  return results.map((metrics) => metrics[id]).filter((value): value is number => value !== undefined);
}

function format(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function targetText(target: Target | undefined): string {
  if (!target) return '';
  if ('ratioAtLeast' in target) return `≥ ${target.ratioAtLeast}×`;
  if ('ratioAtMost' in target) return `≤ ${target.ratioAtMost}×`;
  return `Stowage < ${target.stowageBelow} MB`;
}

function targetMet(target: Target | undefined, stowage: number | undefined, ratio: number | undefined): boolean | undefined {
  if (!target) return undefined;
  if ('stowageBelow' in target) return stowage === undefined ? undefined : stowage < target.stowageBelow;
  if (ratio === undefined) return undefined;
  return 'ratioAtLeast' in target ? ratio >= target.ratioAtLeast : ratio <= target.ratioAtMost;
}

/** The medians table: metric | Stowage | distribution | ratio | target. */
export function resultsTable(results: Results, withDistribution: boolean): string {
  const lines = [
    '| metric | Stowage | distribution | ratio (Stowage/distribution) | target |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const spec of METRICS) {
    const stowageValues = valuesOf(results.stowage, spec.id);
    const distributionValues = valuesOf(results.distribution, spec.id);
    if (stowageValues.length === 0 && distributionValues.length === 0) continue;
    const stowage = median(stowageValues);
    const distribution = withDistribution ? median(distributionValues) : undefined;
    const ratio = stowage !== undefined && distribution !== undefined && distribution > 0 ? stowage / distribution : undefined;
    const direction = spec.better === 'lower' ? ' (lower is better)' : '';
    const ratioCell = ratio === undefined ? '—' : `${ratio.toFixed(2)}×${direction}`;
    const met = targetMet(spec.target, stowage, ratio);
    const target = spec.target ? `${targetText(spec.target)}${met === undefined ? '' : met ? ': met' : ': **missed**'}` : '';
    lines.push(
      `| ${spec.label} (${spec.unit}) | ${format(stowage, spec.digits)} | ${format(distribution, spec.digits)} | ${ratioCell} | ${target} |`,
    );
  }
  return lines.join('\n');
}

/** Every round's value, to show the spread behind the medians. */
export function roundsTable(results: Results): string {
  const rounds = Math.max(results.stowage.length, results.distribution.length);
  const header = ['metric'];
  for (const kind of ['stowage', 'distribution'] as const) {
    if (results[kind].length === 0) continue;
    for (let round = 1; round <= results[kind].length; round++) header.push(`${kind === 'stowage' ? 'Stowage' : 'distribution'} #${round}`);
  }
  const lines = [`| ${header.join(' | ')} |`, `| --- |${' ---: |'.repeat(header.length - 1)}`];
  for (const spec of METRICS) {
    if (spec.id.startsWith('big.')) continue;
    const cells: string[] = [];
    for (const kind of ['stowage', 'distribution'] as const) {
      for (const metrics of results[kind]) cells.push(format(metrics[spec.id], spec.digits));
    }
    if (cells.every((cell) => cell === '—')) continue;
    lines.push(`| ${spec.label} (${spec.unit}) | ${cells.join(' | ')} |`);
  }
  return rounds > 0 ? lines.join('\n') : '';
}

export interface ResultsDocument {
  date: Date;
  /** The command line that produced the results. */
  command: string;
  machine: Record<string, string>;
  settings: Record<string, string>;
  table: string;
  rounds: string;
  notes: string[];
}

export function writeResults(file: string, document: ResultsDocument): void {
  const list = (entries: Record<string, string>) => Object.entries(entries).map(([key, value]) => `- ${key}: ${value}`);
  const text = [
    '# Benchmark results',
    '',
    `Run on ${document.date.toISOString()} with \`${document.command}\`.`,
    '',
    '## Machine',
    '',
    ...list(document.machine),
    '',
    '## Settings',
    '',
    ...list(document.settings),
    '',
    '## Medians',
    '',
    document.table,
    '',
    ...(document.rounds ? ['## Every round', '', document.rounds, ''] : []),
    ...(document.notes.length > 0 ? ['## Notes', '', ...document.notes.map((note) => `- ${note}`), ''] : []),
  ].join('\n');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
