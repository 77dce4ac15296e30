// The benchmark run: plan every (condition, task) generation of the chosen
// mode, run them one after another against the verifier process, and reduce
// the samples to the numbers of the report (every one of them lands in the
// JSON; README.md documents the fields).

import { bestDraftLength, expectedCommitted } from '@specsteer/core';
import {
  methodFidelity,
  tvByTopK,
  type MethodFidelity,
  type Position,
  type TvByK,
} from './fidelity-law.ts';
import type { BenchTask } from './inputs.ts';
import { runOne, type Condition, type Method, type RunContext, type Sample } from './methods.ts';
import { taskSeed } from './model-pair.ts';

export type Phase = 'quality' | 'latency' | 'k' | 'alpha' | 'temperature' | 'topK';

export interface ProjectionCosts {
  /** Device ms per drafted token (one decode step of the drafter). */
  deviceMsPerToken: number;
  /** Device ms per batch scored (s on the public context over k+1 positions). */
  deviceMsPerBatch: number;
  /** Cloud ms per scoring pass of k+1 tokens (and per decode step for cloud-only). */
  cloudMsPerPass: number;
}

export interface BenchConfig {
  mode: 'quick' | 'full' | 'custom';
  baseSeed: number;
  input: string;
  qualityTasks: number;
  latencyTasks: number;
  sweepTasks: number;
  rtts: number[];
  jitterMs: number;
  k: number;
  /** The most the adaptive variant may draft per round (it chooses k ≤ this each round). */
  adaptiveMaxK: number;
  topK: number;
  alpha: number;
  /** Temperature of the sampled mode (greedy is 0). */
  sampledTemperature: number;
  maxTokens: number;
  kSweep: number[];
  alphaSweep: number[];
  temperatureSweep: number[];
  topKSweep: number[];
  /** Methods of the quality and latency phases. */
  methods: Method[];
  fidelityPositions: number;
  fidelityTopKs: number[];
  fidelityTemperatures: number[];
  projection: ProjectionCosts;
}

export function presetConfig(mode: 'quick' | 'full'): BenchConfig {
  const common = {
    baseSeed: 20261201,
    input: 'personaworld',
    rtts: [0, 20, 50, 100, 200],
    jitterMs: 0,
    k: 8,
    adaptiveMaxK: 16,
    topK: 20,
    alpha: 1,
    sampledTemperature: 1,
    maxTokens: 96,
    methods: [
      'cloud-only',
      'local-only',
      'token-fusion',
      'exact-pi',
      'specsteer',
      'specsteer-pipelined',
      'specsteer-adaptive',
    ] as Method[],
    // Published-scale costs for a 0.5B drafter on a laptop CPU and a 7B target on one
    // datacenter GPU (assumptions, not measurements: override with --project-*).
    projection: { deviceMsPerToken: 20, deviceMsPerBatch: 25, cloudMsPerPass: 25 },
  };
  if (mode === 'quick') {
    return {
      ...common,
      mode,
      qualityTasks: 5,
      latencyTasks: 2,
      sweepTasks: 2,
      kSweep: [1, 2, 4, 8, 16],
      alphaSweep: [0, 0.5, 1, 2],
      temperatureSweep: [0, 0.7, 1],
      topKSweep: [5, 20, 64],
      fidelityPositions: 20,
      fidelityTopKs: [5, 20, 256],
      fidelityTemperatures: [1],
    };
  }
  return {
    ...common,
    mode,
    qualityTasks: 30,
    latencyTasks: 6,
    sweepTasks: 8,
    kSweep: [1, 2, 4, 6, 8, 12, 16],
    alphaSweep: [0, 0.5, 1, 1.5, 2],
    temperatureSweep: [0, 0.3, 0.7, 1],
    topKSweep: [5, 10, 20, 64],
    fidelityPositions: 60,
    fidelityTopKs: [5, 20, 64, 256, 1024],
    fidelityTemperatures: [1, 0.7],
  };
}

export interface PlannedCondition {
  phase: Phase;
  condition: Condition;
  tasks: number;
}

const modeName = (temperature: number) => (temperature === 0 ? 'greedy' : 'sampled');

/** Every condition of the run, in execution order, with how many tasks each runs. */
export function plan(config: BenchConfig): PlannedCondition[] {
  const base = (method: Method, temperature: number): Condition => ({
    method,
    temperature,
    k:
      method === 'token-fusion'
        ? 0
        : method === 'specsteer-adaptive'
          ? config.adaptiveMaxK
          : config.k,
    alpha: config.alpha,
    topK: config.topK,
    rttMs: 0,
    jitterMs: 0,
    maxTokens: config.maxTokens,
  });
  const modes = [0, config.sampledTemperature];
  const out: PlannedCondition[] = [];
  for (const temperature of modes) {
    for (const method of config.methods) {
      out.push({
        phase: 'quality',
        condition: base(method, temperature),
        tasks: config.qualityTasks,
      });
    }
  }
  const networked = config.methods.filter((m) => m === 'token-fusion' || m.startsWith('specsteer'));
  for (const rttMs of config.rtts) {
    for (const temperature of modes) {
      for (const method of networked) {
        out.push({
          phase: 'latency',
          condition: {
            ...base(method, temperature),
            rttMs,
            jitterMs: rttMs > 0 ? config.jitterMs : 0,
          },
          tasks: config.latencyTasks,
        });
      }
    }
  }
  for (const temperature of modes) {
    for (const k of config.kSweep) {
      out.push({
        phase: 'k',
        condition: { ...base('specsteer', temperature), k },
        tasks: config.sweepTasks,
      });
    }
  }
  for (const alpha of config.alphaSweep) {
    for (const temperature of modes) {
      out.push({
        phase: 'alpha',
        condition: { ...base('specsteer', temperature), alpha },
        tasks: config.sweepTasks,
      });
    }
  }
  for (const temperature of config.temperatureSweep) {
    out.push({
      phase: 'temperature',
      condition: base('specsteer', temperature),
      tasks: config.sweepTasks,
    });
  }
  for (const topK of config.topKSweep) {
    out.push({
      phase: 'topK',
      condition: { ...base('specsteer', config.sampledTemperature), topK },
      tasks: config.sweepTasks,
    });
  }
  return out;
}

/** Indices of `planned` grouped into blocks run together: one per phase, and per RTT in the latency phase. */
function blocks(planned: readonly PlannedCondition[]): number[][] {
  const out = new Map<string, number[]>();
  planned.forEach(({ phase, condition }, j) => {
    const key = phase === 'latency' ? `${phase}:${condition.rttMs}` : phase;
    out.set(key, [...(out.get(key) ?? []), j]);
  });
  return [...out.values()];
}

export interface Mean {
  factAccuracy: number | null;
  personaRecall: number | null;
  rougeL: number;
}

export interface ConditionResult {
  phase: Phase;
  mode: 'greedy' | 'sampled';
  condition: Condition;
  tasks: number;
  quality: Mean;
  tokens: number;
  wallMs: number;
  /** Whether wall times are measured compute plus modeled round trips. */
  modeled: boolean;
  tokensPerSecond: number;
  rounds: number;
  roundTripsPer100Tokens: number;
  tokensPerRoundTrip: number;
  /** tokensPerRoundTrip / (k + 1): the share of the most a round can commit (adaptive: its mean k + 1). */
  ratioToKPlus1: number | null;
  meanDraft: number;
  acceptance: number;
  /** Drafted tokens sent to the cloud that never reached the output (issue 10's leakage measure). */
  discardedDraftShare: number | null;
  uplinkBytesPerToken: number;
  downlinkBytesPerToken: number;
  pipelinedShare: number;
  /**
   * Mean ms per round (networked methods) of each part: totals over the run
   * divided by the rounds (so network holds the set-up exchange too, and wall
   * the prefill, set-up and closing exchange).
   */
  perRound: {
    wallMs: number;
    draftingMs: number;
    referenceMs: number;
    networkMs: number;
    /** The round-trip time added on purpose (the condition's RTT). */
    injectedMs: number;
    targetMs: number;
    recoveringMs: number;
  } | null;
  samples: Sample[];
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function reduce(phase: Phase, condition: Condition, samples: Sample[]): ConditionResult {
  const sum = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0);
  const tokens = sum((s) => s.tokens);
  const wallMs = sum((s) => s.wallMs);
  const rounds = sum((s) => s.rounds);
  const drafted = sum((s) => s.drafted);
  const accepted = sum((s) => s.accepted);
  const scored = (key: 'factAccuracy' | 'personaRecall') => {
    const values = samples.map((s) => s.scores[key]);
    return values.some((v) => v === null) ? null : mean(values as number[]);
  };
  const meanDraft = rounds > 0 ? drafted / rounds : 0;
  const tokensPerRoundTrip = rounds > 0 ? tokens / rounds : 0;
  return {
    phase,
    mode: modeName(condition.temperature),
    condition,
    tasks: samples.length,
    quality: {
      factAccuracy: scored('factAccuracy'),
      personaRecall: scored('personaRecall'),
      rougeL: mean(samples.map((s) => s.scores.rougeL)),
    },
    tokens,
    wallMs,
    modeled: samples.some((s) => s.modeled),
    tokensPerSecond: wallMs > 0 ? (tokens * 1000) / wallMs : 0,
    rounds,
    roundTripsPer100Tokens: tokens > 0 ? (100 * rounds) / tokens : 0,
    tokensPerRoundTrip,
    ratioToKPlus1:
      rounds > 0
        ? tokensPerRoundTrip /
          ((condition.method === 'specsteer-adaptive' ? meanDraft : condition.k) + 1)
        : null,
    meanDraft,
    acceptance: drafted > 0 ? accepted / drafted : 0,
    // Results written before unseenDrafts existed fall back to the rejected drafts.
    discardedDraftShare:
      drafted > 0 ? sum((s) => s.unseenDrafts ?? s.drafted - s.accepted) / drafted : null,
    uplinkBytesPerToken: tokens > 0 ? sum((s) => s.uplinkBytes) / tokens : 0,
    downlinkBytesPerToken: tokens > 0 ? sum((s) => s.downlinkBytes) / tokens : 0,
    pipelinedShare: rounds > 0 ? sum((s) => s.pipelinedRounds) / rounds : 0,
    perRound:
      rounds > 0
        ? {
            wallMs: wallMs / rounds,
            draftingMs: sum((s) => s.draftingMs) / rounds,
            referenceMs: sum((s) => s.referenceMs) / rounds,
            networkMs: sum((s) => s.networkMs) / rounds,
            injectedMs: condition.rttMs,
            targetMs: sum((s) => s.targetMs) / rounds,
            recoveringMs: sum((s) => s.recoveringMs) / rounds,
          }
        : null,
    samples,
  };
}

export interface SpeedupRow {
  mode: 'greedy' | 'sampled';
  rttMs: number;
  method: Method;
  tokensPerSecond: number;
  /** tokens/s over token-level fusion's on the same tasks, RTT and mode. */
  speedupOverFusion: number | null;
  modeled: boolean;
  /**
   * The same ratio from the quality phase's RTT-0 runs (more tasks) plus (rounds + 2) × RTT for
   * both methods: steadier on a loaded machine; only where rounds do not depend on the RTT
   * (plain SpecSteer, fusion, the in-process baselines).
   */
  additiveSpeedupOverFusion: number | null;
}

export interface BestK {
  mode: 'greedy' | 'sampled';
  rttMs: number;
  bestK: number;
  /** Predicted tokens/s per k: the k sweep's measured time at RTT 0 plus (rounds + 2) × RTT. */
  tokensPerSecondByK: { k: number; tokensPerSecond: number }[];
}

export interface ProjectionRow {
  costs: 'measured' | 'assumed';
  mode: 'greedy' | 'sampled';
  rttMs: number;
  method: Method;
  msPerToken: number;
  speedupOverFusion: number;
  /** The draft length used (adaptive: the best under these costs and the measured acceptance). */
  k: number | null;
}

export interface BenchResults {
  schema: 'specsteer-bench/1';
  /** The command line that produced the results. */
  command?: string;
  startedAt: string;
  finishedAt: string;
  config: BenchConfig;
  machine: { cpus: number; node: string; platform: string };
  models: { small: string; large: string; vocabSize: number; contextSize: number };
  conditions: ConditionResult[];
  speedups: SpeedupRow[];
  bestK: BestK[];
  fidelity: { byMethod: MethodFidelity[]; byTopK: TvByK[]; greedyArgmaxNote: string };
  projection: {
    formula: string;
    measuredCosts: ProjectionCosts & { recoveryMs: number };
    assumedCosts: ProjectionCosts;
    rows: ProjectionRow[];
  };
  /** RTT-0 time plus (rounds + 2) × RTT vs the measured time, per networked condition of the latency phase. */
  additivityCheck: {
    mode: string;
    method: Method;
    rttMs: number;
    predictedMs: number;
    measuredMs: number;
  }[];
}

export interface Progress {
  start(total: number): void;
  tick(label: string): void;
  done(): void;
}

export async function runBench(
  ctx: Omit<RunContext, 'onPosition'>,
  config: BenchConfig,
  tasks: BenchTask[],
  progress: Progress,
  models: BenchResults['models'],
  machine: BenchResults['machine'],
): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const planned = plan(config).map((p) => ({ ...p, tasks: Math.min(p.tasks, tasks.length) }));
  const fidelitySteps = config.fidelityTemperatures.length * config.fidelityTopKs.length * 2;
  progress.start(planned.reduce((a, p) => a + p.tasks, 0) + fidelitySteps);
  const positions: Position[] = [];
  const samples: Sample[][] = planned.map(() => []);
  for (const block of blocks(planned)) {
    // Tasks outer, conditions inner: a burst of load on a shared machine hits every method alike.
    const most = Math.max(...block.map((j) => planned[j]!.tasks));
    for (let i = 0; i < most; i++) {
      for (const j of block) {
        const { phase, condition, tasks: count } = planned[j]!;
        if (i >= count) continue;
        const collect =
          phase === 'quality' && condition.method === 'exact-pi' && condition.temperature === 0;
        const { sample } = await runOne(
          {
            ...ctx,
            ...(collect && {
              onPosition: ({ p, q, s }) => {
                if (positions.length < config.fidelityPositions) positions.push({ p, q, s });
              },
            }),
          },
          condition,
          tasks[i]!,
          taskSeed(config.baseSeed, i),
        );
        samples[j]!.push(sample);
        progress.tick(
          `${phase} ${condition.method} ${modeName(condition.temperature)} k=${condition.k} α=${condition.alpha} K=${condition.topK} rtt=${condition.rttMs}`,
        );
      }
    }
  }
  const conditions = planned.map(({ phase, condition }, j) =>
    reduce(phase, condition, samples[j]!),
  );

  const byMethod = [0, config.sampledTemperature]
    .filter((t) => t > 0)
    .map((temperature) =>
      methodFidelity(positions, {
        temperature,
        topK: config.topK,
        alpha: config.alpha,
        tailSample: true,
      }),
    );
  const byTopK = tvByTopK(
    positions,
    config.fidelityTemperatures,
    config.fidelityTopKs,
    config.alpha,
    () => progress.tick('fidelity'),
  );
  progress.done();

  const measuredCosts = measuredProjectionCosts(conditions);
  return {
    schema: 'specsteer-bench/1',
    startedAt,
    finishedAt: new Date().toISOString(),
    config,
    machine,
    models,
    conditions,
    speedups: speedups(conditions, config),
    bestK: bestK(conditions, config),
    fidelity: {
      byMethod,
      byTopK,
      greedyArgmaxNote:
        'greedy runs emit argmax π̂ (π from the top-K correction); fidelity.ts counts positions where it differs from argmax π',
    },
    projection: {
      formula: PROJECTION_FORMULA,
      measuredCosts,
      assumedCosts: config.projection,
      rows: [
        ...projection(conditions, config, measuredCosts, 'measured'),
        ...projection(conditions, config, config.projection, 'assumed'),
      ],
    },
    additivityCheck: additivity(conditions),
  };
}

function find(
  conditions: readonly ConditionResult[],
  phase: Phase,
  match: Partial<Condition>,
): ConditionResult | undefined {
  return conditions.find(
    (c) =>
      c.phase === phase &&
      Object.entries(match).every(([key, value]) => c.condition[key as keyof Condition] === value),
  );
}

function speedups(conditions: readonly ConditionResult[], config: BenchConfig): SpeedupRow[] {
  const rows: SpeedupRow[] = [];
  for (const temperature of [0, config.sampledTemperature]) {
    const mode = modeName(temperature);
    for (const rttMs of config.rtts) {
      const fusion = find(conditions, 'latency', { method: 'token-fusion', temperature, rttMs });
      for (const method of config.methods) {
        if (method === 'exact-pi') continue;
        let tokensPerSecond: number;
        let modeled = false;
        const measured = find(conditions, 'latency', { method, temperature, rttMs });
        if (measured !== undefined) tokensPerSecond = measured.tokensPerSecond;
        else {
          // In-process baselines: their RTT-0 compute from the quality phase plus their round trips.
          const at0 = find(conditions, 'quality', { method, temperature });
          if (at0 === undefined || at0.tokens === 0) continue;
          const extra = method === 'cloud-only' ? rttMs : 0;
          const wall = at0.samples.reduce((a, s) => a + s.wallMs - s.networkMs + extra, 0);
          tokensPerSecond = (at0.tokens * 1000) / wall;
          modeled = method === 'cloud-only';
        }
        rows.push({
          mode,
          rttMs,
          method,
          additiveSpeedupOverFusion: additiveSpeedup(conditions, method, temperature, rttMs),
          tokensPerSecond,
          speedupOverFusion:
            fusion !== undefined && fusion.tokensPerSecond > 0
              ? tokensPerSecond / fusion.tokensPerSecond
              : null,
          modeled,
        });
      }
    }
  }
  return rows;
}

/** tokens/s at `rttMs` from the quality phase's RTT-0 samples plus the round trips the method needs. */
function additiveTokensPerSecond(
  conditions: readonly ConditionResult[],
  method: Method,
  temperature: number,
  rttMs: number,
): number | null {
  const at0 = find(conditions, 'quality', { method, temperature });
  if (at0 === undefined || at0.tokens === 0) return null;
  const trips = (s: Sample) =>
    method === 'cloud-only' ? 1 : method === 'local-only' ? 0 : s.rounds + 2;
  const wall = at0.samples.reduce(
    (a, s) => a + s.wallMs - s.networkMs * (method === 'cloud-only' ? 1 : 0) + trips(s) * rttMs,
    0,
  );
  return wall > 0 ? (at0.tokens * 1000) / wall : null;
}

function additiveSpeedup(
  conditions: readonly ConditionResult[],
  method: Method,
  temperature: number,
  rttMs: number,
): number | null {
  if (method === 'specsteer-adaptive' || method === 'specsteer-pipelined' || method === 'exact-pi')
    return null;
  const mine = additiveTokensPerSecond(conditions, method, temperature, rttMs);
  const fusion = additiveTokensPerSecond(conditions, 'token-fusion', temperature, rttMs);
  return mine === null || fusion === null ? null : mine / fusion;
}

function bestK(conditions: readonly ConditionResult[], config: BenchConfig): BestK[] {
  const out: BestK[] = [];
  for (const temperature of [0, config.sampledTemperature]) {
    const sweep = conditions.filter(
      (c) => c.phase === 'k' && c.condition.temperature === temperature,
    );
    if (sweep.length === 0) continue;
    for (const rttMs of config.rtts) {
      const byK = sweep.map((c) => {
        const wall = c.samples.reduce((a, s) => a + s.wallMs + (s.rounds + 2) * rttMs, 0);
        return { k: c.condition.k, tokensPerSecond: wall > 0 ? (c.tokens * 1000) / wall : 0 };
      });
      const best = byK.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
      out.push({ mode: modeName(temperature), rttMs, bestK: best.k, tokensPerSecondByK: byK });
    }
  }
  return out;
}

export const PROJECTION_FORMULA = [
  'd = device ms per drafted token, b = device ms per batch scored (s over k+1 positions), c = cloud ms per scoring pass, R = RTT, ρ = recovery ms per round,',
  'τ = tokens committed per round (measured), φ = share of rounds drafted ahead (pipelined, measured), n = tokens per answer.',
  'token-level fusion: ms/token = d + b + c + R',
  'SpecSteer (k):      ms/token = (k·d + b + c + R + ρ) / τ',
  'pipelined:          ms/token = (φ·max(k·d + b, c + R) + (1 − φ)·(k·d + b + c + R) + ρ) / τ',
  'adaptive:           k* = argmax_k E(k) / (k·d + b + c + R + ρ) with E(k) = (1 − a^(k+1)) / (1 − a), a = measured acceptance; ms/token = (k*·d + b + c + R + ρ) / E(k*)',
  'cloud-only:         ms/token = c + R / n;   local-only: ms/token = d',
  'speedup = fusion ms/token ÷ method ms/token (same R).',
].join('\n');

function measuredProjectionCosts(
  conditions: readonly ConditionResult[],
): ProjectionCosts & { recoveryMs: number } {
  const ref = conditions.find(
    (c) => c.phase === 'quality' && c.condition.method === 'specsteer' && c.rounds > 0,
  );
  if (ref === undefined)
    return { deviceMsPerToken: 0, deviceMsPerBatch: 0, cloudMsPerPass: 0, recoveryMs: 0 };
  const sum = (f: (s: Sample) => number) => ref.samples.reduce((a, s) => a + f(s), 0);
  const evaluated = sum((s) => s.drafted + s.rounds);
  return {
    deviceMsPerToken: evaluated > 0 ? sum((s) => s.draftingMs) / evaluated : 0,
    deviceMsPerBatch: sum((s) => s.referenceMs) / ref.rounds,
    cloudMsPerPass: sum((s) => s.targetMs) / ref.rounds,
    recoveryMs: sum((s) => s.recoveringMs) / ref.rounds,
  };
}

function projection(
  conditions: readonly ConditionResult[],
  config: BenchConfig,
  costs: ProjectionCosts & { recoveryMs?: number },
  label: 'measured' | 'assumed',
): ProjectionRow[] {
  const { deviceMsPerToken: d, deviceMsPerBatch: b, cloudMsPerPass: c } = costs;
  const rho = costs.recoveryMs ?? 0;
  const rows: ProjectionRow[] = [];
  for (const temperature of [0, config.sampledTemperature]) {
    const mode = modeName(temperature);
    const at0 = (method: Method) => find(conditions, 'quality', { method, temperature });
    const plain = at0('specsteer');
    const pipe = at0('specsteer-pipelined');
    const cloud = at0('cloud-only');
    if (plain === undefined || plain.rounds === 0) continue;
    const k = config.k;
    const tau = plain.tokensPerRoundTrip;
    // Acceptance per token under the truncated-geometric model, from the plain run.
    const a = Math.min(
      0.999,
      plain.samples.reduce((x, s) => x + s.accepted, 0) /
        Math.max(
          1,
          plain.samples.reduce((x, s) => x + s.accepted + (s.accepted < s.drafted ? 1 : 0), 0),
        ),
    );
    for (const R of config.rtts) {
      const fusion = d + b + c + R;
      const add = (method: Method, msPerToken: number, kUsed: number | null) =>
        rows.push({
          costs: label,
          mode,
          rttMs: R,
          method,
          msPerToken,
          speedupOverFusion: fusion / msPerToken,
          k: kUsed,
        });
      add('token-fusion', fusion, 0);
      add('specsteer', (k * d + b + c + R + rho) / tau, k);
      if (pipe !== undefined && pipe.rounds > 0) {
        const phi = pipe.pipelinedShare;
        const round = phi * Math.max(k * d + b, c + R) + (1 - phi) * (k * d + b + c + R) + rho;
        add('specsteer-pipelined', round / pipe.tokensPerRoundTrip, k);
      }
      const kStar = bestDraftLength({
        acceptance: a,
        kMax: config.adaptiveMaxK,
        draftMsPerToken: d,
        fixedMs: b + c + R + rho,
      });
      add('specsteer-adaptive', (kStar * d + b + c + R + rho) / expectedCommitted(kStar, a), kStar);
      if (cloud !== undefined && cloud.tokens > 0) {
        add('cloud-only', c + R / (cloud.tokens / cloud.tasks), null);
      }
      add('local-only', d, null);
    }
  }
  return rows;
}

function additivity(conditions: readonly ConditionResult[]): BenchResults['additivityCheck'] {
  const out: BenchResults['additivityCheck'] = [];
  for (const c of conditions) {
    if (c.phase !== 'latency' || c.condition.rttMs === 0) continue;
    const base = find(conditions, 'latency', {
      method: c.condition.method,
      temperature: c.condition.temperature,
      rttMs: 0,
    });
    if (base === undefined) continue;
    // Greedy outputs (and round counts) do not depend on the RTT; adaptive's k does.
    const predictedMs = base.samples.reduce(
      (a, s) => a + s.wallMs + (s.rounds + 2) * c.condition.rttMs,
      0,
    );
    out.push({
      mode: c.mode,
      method: c.condition.method,
      rttMs: c.condition.rttMs,
      predictedMs,
      measuredMs: c.wallMs,
    });
  }
  return out;
}
