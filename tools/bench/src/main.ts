// `pnpm bench`: SpecSteer against its baselines and exact π, at injected
// latencies over the real verifier, in one reproducible report (markdown +
// SVG plots + results.json). Quick mode by default (< 10 min on 2 cores),
// --full for the full one. See tools/bench/README.md for flags and fields.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HARD_CAPS } from '@specsteer/protocol';
import { SHIPPED_MODEL_PAIR } from '@specsteer/llama';
import {
  presetConfig,
  runBench,
  type BenchConfig,
  type BenchResults,
  type Progress,
} from './harness.ts';
import { jsonlTasks, personaWorldTasks } from './inputs.ts';
import { METHODS, type Method } from './methods.ts';
import { loadModelPair } from './model-pair.ts';
import { renderReport } from './report.ts';
import { startVerifier } from './verifier-process.ts';

const USAGE = `usage: pnpm bench [--full] [--out DIR] [--seed N] [--input personaworld|FILE.jsonl]
  [--small FILE.gguf --large FILE.gguf] [--context-size N]
  [--tasks N] [--latency-tasks N] [--sweep-tasks N] [--rtt 0,20,50,100,200] [--jitter MS]
  [--k N] [--adaptive-max-k N] [--top-k N] [--alpha X] [--temperature T] [--max-tokens N] [--methods a,b,…]
  [--k-sweep 1,2,4,8] [--alpha-sweep 0,1] [--temperature-sweep 0,1] [--top-k-sweep 5,20] (empty = skip)
  [--fidelity-positions N] [--fidelity-top-k 5,20] [--fidelity-temperatures 1,0.7] [--project-device-ms-per-token MS] [--project-device-ms-per-batch MS]
  [--project-cloud-ms-per-pass MS] [--no-progress] [--render results.json]`;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    seed: { type: 'string' },
    input: { type: 'string' },
    small: { type: 'string' },
    large: { type: 'string' },
    'context-size': { type: 'string' },
    tasks: { type: 'string' },
    'latency-tasks': { type: 'string' },
    'sweep-tasks': { type: 'string' },
    rtt: { type: 'string' },
    jitter: { type: 'string' },
    k: { type: 'string' },
    'adaptive-max-k': { type: 'string' },
    'top-k': { type: 'string' },
    alpha: { type: 'string' },
    temperature: { type: 'string' },
    'max-tokens': { type: 'string' },
    methods: { type: 'string' },
    'k-sweep': { type: 'string' },
    'alpha-sweep': { type: 'string' },
    'temperature-sweep': { type: 'string' },
    'top-k-sweep': { type: 'string' },
    'fidelity-positions': { type: 'string' },
    'fidelity-top-k': { type: 'string' },
    'fidelity-temperatures': { type: 'string' },
    'project-device-ms-per-token': { type: 'string' },
    'project-device-ms-per-batch': { type: 'string' },
    'project-cloud-ms-per-pass': { type: 'string' },
    'no-progress': { type: 'boolean', default: false },
    render: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
}) as { values: Record<string, string | boolean | undefined> };

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const str = (key: string) => values[key] as string | undefined;
function number(key: string, min: number, integer = false): number | undefined {
  const raw = str(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  ) {
    fail(`--${key} must be ${integer ? 'an integer' : 'a number'} ≥ ${min} (got "${raw}")`);
  }
  return value;
}
function list(key: string, min: number, integer = false): number[] | undefined {
  const raw = str(key);
  if (raw === undefined) return undefined;
  if (raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const value = Number(part);
    if (
      part.trim() === '' ||
      !Number.isFinite(value) ||
      value < min ||
      (integer && !Number.isInteger(value))
    ) {
      fail(`--${key}: "${part}" is not ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
    }
    return value;
  });
}

const command = `pnpm bench ${process.argv.slice(2).join(' ')}`.trim();

if (str('render') !== undefined) {
  // Re-render a report from a results.json (e.g. after changing the report code).
  const path = resolve(str('render')!);
  const results = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  const dir = resolve(str('out') ?? join(path, '..'));
  writeOutputs(dir, results, results.command ?? '(unknown: re-rendered)');
  process.exit(0);
}

const config: BenchConfig = presetConfig(values.full ? 'full' : 'quick');
const overrides: Partial<BenchConfig> = {};
const set = <K extends keyof BenchConfig>(key: K, value: BenchConfig[K] | undefined) => {
  if (value !== undefined) overrides[key] = value;
};
set('baseSeed', number('seed', 0, true));
set('qualityTasks', number('tasks', 1, true));
set('latencyTasks', number('latency-tasks', 0, true));
set('sweepTasks', number('sweep-tasks', 0, true));
set('rtts', list('rtt', 0));
set('jitterMs', number('jitter', 0));
set('k', number('k', 1, true));
set('adaptiveMaxK', number('adaptive-max-k', 1, true));
set('topK', number('top-k', 1, true));
set('alpha', number('alpha', 0));
set('sampledTemperature', number('temperature', 0.01));
set('maxTokens', number('max-tokens', 1, true));
set('kSweep', list('k-sweep', 1, true));
set('alphaSweep', list('alpha-sweep', 0));
set('temperatureSweep', list('temperature-sweep', 0));
set('topKSweep', list('top-k-sweep', 1, true));
set('fidelityPositions', number('fidelity-positions', 0, true));
set('fidelityTopKs', list('fidelity-top-k', 1, true));
set('fidelityTemperatures', list('fidelity-temperatures', 0.01));
if (str('methods') !== undefined) {
  const methods = str('methods')!.split(',').filter(Boolean);
  for (const m of methods) {
    if (!(METHODS as readonly string[]).includes(m))
      fail(`unknown method ${m}; choose from ${METHODS.join(', ')}`);
  }
  set('methods', methods as Method[]);
}
Object.assign(config, overrides);
if (Object.keys(overrides).length > 0) config.mode = 'custom';
config.projection = {
  deviceMsPerToken: number('project-device-ms-per-token', 0) ?? config.projection.deviceMsPerToken,
  deviceMsPerBatch: number('project-device-ms-per-batch', 0) ?? config.projection.deviceMsPerBatch,
  cloudMsPerPass: number('project-cloud-ms-per-pass', 0) ?? config.projection.cloudMsPerPass,
};
if (config.rtts.length === 0) fail('--rtt needs at least one value');
const maxK = Math.max(config.k, config.adaptiveMaxK, ...config.kSweep);
const maxTopK = Math.max(config.topK, ...config.topKSweep);
if (maxK > HARD_CAPS.draftTokens) fail(`k up to ${HARD_CAPS.draftTokens} (the protocol's cap)`);
if (maxTopK > HARD_CAPS.topK) fail(`top-K up to ${HARD_CAPS.topK} (the protocol's cap)`);

const input = str('input') ?? 'personaworld';
config.input = input === 'personaworld' ? 'personaworld' : basename(input);
let tasks;
try {
  tasks = input === 'personaworld' ? personaWorldTasks() : jsonlTasks(resolve(input));
} catch (error) {
  fail((error as Error).message);
}

const smallPath = resolve(str('small') ?? SHIPPED_MODEL_PAIR.referencePath);
const largePath = resolve(str('large') ?? SHIPPED_MODEL_PAIR.targetPath);
const contextSize = number('context-size', 64, true) ?? 512;
const outDir = resolve(
  str('out') ??
    join('bench-results', `${config.mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`),
);

process.stderr.write(
  `bench: ${config.mode} mode, base seed ${config.baseSeed}, ${tasks.length} tasks available; output → ${outDir}\n`,
);
const pair = await loadModelPair({ smallPath, largePath, contextSize });
const verifier = await startVerifier({
  targetPath: largePath,
  contextSize,
  maxDraftTokens: Math.max(maxK, 16),
  maxTopK: Math.max(maxTopK, 20),
});
let exitCode = 0;
try {
  const results = await runBench(
    { pair, url: verifier.url },
    config,
    tasks,
    progressBar(!values['no-progress']),
    {
      small: basename(smallPath),
      large: basename(largePath),
      vocabSize: pair.vocabSize,
      contextSize,
    },
    {
      cpus: availableParallelism(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
  );
  writeOutputs(outDir, { ...results, command }, command);
} catch (error) {
  process.stderr.write(`\nbench: failed: ${(error as Error).stack ?? String(error)}\n`);
  process.stderr.write(`verifier log (last lines):\n${verifier.log()}\n`);
  exitCode = 1;
} finally {
  await verifier.close();
  await pair.dispose();
}
process.exit(exitCode);

function writeOutputs(dir: string, results: BenchResults, cmd: string): void {
  mkdirSync(dir, { recursive: true });
  const { markdown, plots } = renderReport(results, cmd);
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  writeFileSync(join(dir, 'report.md'), markdown);
  for (const [name, svg] of Object.entries(plots)) writeFileSync(join(dir, name), svg);
  process.stdout.write(`${join(dir, 'report.md')}\n${join(dir, 'results.json')}\n`);
}

/** A progress bar on stderr (a line per 5 % when stderr is not a terminal). */
function progressBar(enabled: boolean): Progress {
  let total = 1;
  let done = 0;
  let started = 0;
  let lastPrinted = -1;
  const tty = process.stderr.isTTY === true;
  return {
    start(n) {
      total = Math.max(1, n);
      started = performance.now();
    },
    tick(label) {
      done++;
      if (!enabled) return;
      const fraction = done / total;
      const elapsed = (performance.now() - started) / 1000;
      const eta = fraction > 0 ? elapsed / fraction - elapsed : 0;
      const width = 30;
      const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
      const line = `[${bar}] ${done}/${total} ${(fraction * 100).toFixed(0)}% ${elapsed.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left · ${label}`;
      if (tty)
        process.stderr.write(
          `\r${line.slice(0, (process.stderr.columns ?? 120) - 1).padEnd((process.stderr.columns ?? 120) - 1)}`,
        );
      else if (Math.floor(fraction * 20) !== lastPrinted) {
        lastPrinted = Math.floor(fraction * 20);
        process.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (enabled && tty) process.stderr.write('\n');
    },
  };
}
