// The harness end to end on a tiny input: the real CLI (`pnpm bench`'s entry
// point) with the shipped pair, the verifier as a child process and one
// injected RTT; the report, its plots and results.json must be well formed.
// Speed numbers are measured, never asserted.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../src/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'specsteer-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Tags open and close in order (self-closing allowed): enough to catch a broken SVG writer. */
function wellFormedXml(text: string): boolean {
  const stack: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

/** Every number in the tree is finite (a NaN or an Infinity would be a bug in a ratio). */
function allFinite(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => allFinite(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => allFinite(v, `${path}.${k}`));
  }
  return [];
}

describe('pnpm bench on a tiny input', () => {
  let run: SpawnSyncReturns<string>;
  beforeAll(() => {
    run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        '--tasks',
        '2',
        '--latency-tasks',
        '1',
        '--sweep-tasks',
        '1',
        '--rtt',
        '20',
        '--methods',
        'cloud-only,local-only,exact-pi,token-fusion,specsteer,specsteer-adaptive',
        '--max-tokens',
        '24',
        '--k-sweep',
        '2,4',
        '--alpha-sweep',
        '',
        '--temperature-sweep',
        '0.7',
        '--top-k-sweep',
        '5',
        '--fidelity-positions',
        '4',
        '--fidelity-top-k',
        '5,1024',
        '--seed',
        '7',
        '--out',
        out,
      ],
      { encoding: 'utf8', timeout: 110_000 },
    );
  }, 120_000);

  it('exits 0, prints the output paths and shows progress on stderr', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(join(out, 'report.md'));
    expect(run.stderr).toMatch(/\[[#.]+\] \d+\/\d+/);
  });

  it('writes results.json with every planned condition and finite numbers only', () => {
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(results.schema).toBe('specsteer-bench/1');
    expect(results.config.baseSeed).toBe(7);
    const phases = results.conditions.map((c) => c.phase);
    // 6 methods × 2 modes, 4 networked × 2 modes at one RTT, k 2 and 4 × 2 modes, 1 T, 1 K.
    expect(phases.filter((p) => p === 'quality')).toHaveLength(12);
    expect(phases.filter((p) => p === 'latency')).toHaveLength(6);
    expect(phases.filter((p) => p === 'k')).toHaveLength(4);
    expect(phases.filter((p) => p === 'temperature')).toHaveLength(1);
    expect(phases.filter((p) => p === 'topK')).toHaveLength(1);
    for (const c of results.conditions) {
      expect(c.samples.length).toBe(c.tasks);
      expect(c.tokens).toBeGreaterThan(0);
      expect(c.tokens).toBeLessThanOrEqual(24 * c.tasks);
      // Each task has its own seed from the base seed.
      if (c.samples.length > 1)
        expect(new Set(c.samples.map((s) => s.seed)).size).toBe(c.samples.length);
    }
    const specsteer = results.conditions.find(
      (c) => c.phase === 'latency' && c.condition.method === 'specsteer',
    )!;
    expect(specsteer.condition.rttMs).toBe(20);
    expect(specsteer.rounds).toBeGreaterThan(0);
    expect(specsteer.samples[0]!.uplinkBytes).toBeGreaterThan(0);
    expect(specsteer.samples[0]!.downlinkBytes).toBeGreaterThan(0);
    // The delay was really injected, both ways, on every exchange.
    expect(specsteer.samples[0]!.injectedMs).toBeGreaterThanOrEqual(
      20 * (specsteer.samples[0]!.rounds + 1),
    );
    const fusion = results.conditions.find(
      (c) => c.phase === 'quality' && c.condition.method === 'token-fusion',
    )!;
    expect(fusion.tokensPerRoundTrip).toBe(1);
    expect(
      results.speedups.some((r) => r.method === 'specsteer' && r.speedupOverFusion !== null),
    ).toBe(true);
    expect(results.fidelity.byTopK).toHaveLength(2 * 1 * 2);
    expect(results.fidelity.byMethod[0]!.positions).toBe(4);
    expect(results.projection.formula).toContain('speedup');
    expect(results.projection.rows.length).toBeGreaterThan(0);
    expect(allFinite(results)).toEqual([]);
  });

  it('writes a report whose plots exist and are well-formed SVG', () => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const heading of [
      '## Speedup over token-level fusion',
      '## Per method',
      '## Quality against exact π and the better baseline',
      '## Where the time goes, per round',
      '## Draft length k',
      '## Fidelity: TV(emitted law, π)',
      '## Projection to real model sizes',
    ]) {
      expect(report).toContain(heading);
    }
    const images = [...report.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]!);
    expect(images).toEqual(
      expect.arrayContaining([
        'speedup-vs-rtt-greedy.svg',
        'speedup-vs-rtt-sampled.svg',
        'quality.svg',
        'tokens-per-round-trip-vs-k.svg',
        'fidelity-tv-vs-k.svg',
      ]),
    );
    for (const image of images) {
      const path = join(out, image);
      expect(existsSync(path), image).toBe(true);
      const svg = readFileSync(path, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(wellFormedXml(svg), image).toBe(true);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });
});
