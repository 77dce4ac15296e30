// One generation of one method on one task, measured: the seven methods of the
// benchmark, each run the way it would be deployed as far as this machine
// allows. SpecSteer and token-level fusion go over the real verifier on a
// real WebSocket with the latency under test; cloud-only, local-only and
// exact π run in process (the verifier serves no such endpoint; exact π is a
// reference, not deployable), their wall time at an RTT modeled as measured
// compute plus the round trips they would need (cloud-only: one request).

import {
  adaptiveDraftLength,
  rngStream,
  runCloudOnly,
  runExactFusion,
  runLocalOnly,
  runSpecSteer,
  type GenerationResult,
} from '@specsteer/core';
import { benchConnection, newMeter } from './connection.ts';
import { scoreTask, type AnswerScore, type BenchTask } from './inputs.ts';
import type { ModelPair } from './model-pair.ts';

export const METHODS = [
  'cloud-only',
  'local-only',
  'token-fusion',
  'exact-pi',
  'specsteer',
  'specsteer-pipelined',
  'specsteer-adaptive',
] as const;
export type Method = (typeof METHODS)[number];

/** Methods that run over the verifier and the network under test. */
export const NETWORKED: ReadonlySet<Method> = new Set([
  'token-fusion',
  'specsteer',
  'specsteer-pipelined',
  'specsteer-adaptive',
]);

export interface Condition {
  method: Method;
  /** 0 = greedy. */
  temperature: number;
  /** Draft tokens per round (the most, for adaptive); 0 for token fusion. */
  k: number;
  alpha: number;
  topK: number;
  /** Added round-trip time (half each way). */
  rttMs: number;
  jitterMs: number;
  maxTokens: number;
}

export interface Sample {
  task: string;
  seed: number;
  tokens: number;
  finish: string;
  scores: AnswerScore;
  /** Wall time of the whole generation: context prefill, handshake, rounds, closing exchange (ms). */
  wallMs: number;
  /** True when wallMs is measured compute plus modeled round trips (in-process methods). */
  modeled: boolean;
  /** draft → verdict exchanges (the handshake and the close are not counted). */
  rounds: number;
  drafted: number;
  accepted: number;
  /** Drafted tokens sent that are not the output token at their position (core's unseenDrafts). */
  unseenDrafts: number;
  /** Device: drafting q (and committing), reference scoring s, acceptance test and recovery (ms). */
  draftingMs: number;
  referenceMs: number;
  recoveringMs: number;
  /** Server's target scoring, from its verdicts (in-process methods: their scoring time). */
  targetMs: number;
  /** Waiting on the network minus the server's scoring: injected delay + loopback + codec + server overhead. */
  networkMs: number;
  /** Delay injected by the latency wrapper, both ways, all exchanges. */
  injectedMs: number;
  uplinkBytes: number;
  downlinkBytes: number;
  pipelinedRounds: number;
  /** Mean draft length actually sent per round. */
  meanDraft: number;
}

export interface RunContext {
  pair: ModelPair;
  url: string;
  /** Exact π positions (p, q, s at T = 1) are handed here when wanted (fidelity). */
  onPosition?(position: { p: Float64Array; q: Float64Array; s: Float64Array }): void;
}

export async function runOne(
  ctx: RunContext,
  condition: Condition,
  task: BenchTask,
  seed: number,
): Promise<{ sample: Sample; answer: string }> {
  const { pair } = ctx;
  const { context, messages } = pair.contexts(task);
  const sampling = {
    temperature: condition.temperature,
    seed,
    alpha: condition.alpha,
    topK: condition.topK,
    maxTokens: condition.maxTokens,
    stopTokens: [pair.stopToken],
  };
  const meter = newMeter();
  const referenceBefore = pair.drafter.referenceMs;
  const started = performance.now();
  let result: GenerationResult;
  const method = condition.method;
  if (method === 'cloud-only') {
    result = await runCloudOnly({ target: pair.target, promptTokens: context.public, sampling });
  } else if (method === 'local-only') {
    result = await runLocalOnly({ drafter: pair.drafter, contextTokens: context.device, sampling });
  } else if (method === 'exact-pi') {
    result = await runExactFusion({
      drafter: pair.drafter,
      context,
      target: pair.target,
      sampling,
      ...(ctx.onPosition && { onPosition: ctx.onPosition }),
    });
  } else {
    const jitter = rngStream(seed, 0, 'bench-jitter');
    result = await runSpecSteer({
      connect: benchConnection({
        url: ctx.url,
        rttMs: condition.rttMs,
        jitterMs: condition.jitterMs,
        random: () => jitter.uniform(),
        meter,
      }),
      drafter: pair.drafter,
      context,
      reproducible: true,
      prompt: { messages },
      tokenizerFingerprint: pair.fingerprint,
      sampling,
      draftTokens: method === 'token-fusion' ? 0 : condition.k,
      ...(method === 'token-fusion' && { method: 'token-fusion' as const }),
      ...(method === 'specsteer-pipelined' && { pipeline: true }),
      ...(method === 'specsteer-adaptive' && { draftPolicy: adaptiveDraftLength() }),
      reconnect: { maxAttempts: 2, replyTimeoutMs: 60_000 },
    });
  }
  const elapsed = performance.now() - started;
  const m = result.metrics;
  const referenceMs = pair.drafter.referenceMs - referenceBefore;
  const networked = NETWORKED.has(method);
  const answer = pair.detokenize(result.tokens);
  const drafted = m.draftedPerRound.reduce((a, b) => a + b, 0);
  const sample: Sample = {
    task: task.id,
    seed,
    tokens: result.tokens.length,
    finish: result.finish,
    scores: scoreTask(answer, task),
    // Cloud-only: the request and its streamed answer cost one round trip on top of the compute.
    wallMs: elapsed + (method === 'cloud-only' ? condition.rttMs : 0),
    modeled: !networked && method !== 'local-only',
    rounds: networked ? m.rounds : 0,
    drafted,
    accepted: m.acceptedPerRound.reduce((a, b) => a + b, 0),
    unseenDrafts: m.unseenDrafts,
    draftingMs: m.draftingMs - (networked ? referenceMs : 0),
    referenceMs: networked ? referenceMs : 0,
    recoveringMs: m.recoveringMs,
    targetMs: networked ? m.verifyingMs : method === 'local-only' ? 0 : m.networkMs + m.verifyingMs,
    networkMs: networked ? m.networkMs : method === 'cloud-only' ? condition.rttMs : 0,
    injectedMs: meter.injectedMs,
    uplinkBytes: meter.uplinkBytes,
    downlinkBytes: meter.downlinkBytes,
    pipelinedRounds: m.pipelinedRounds ?? 0,
    meanDraft: m.rounds > 0 ? drafted / m.rounds : 0,
  };
  return { sample, answer };
}
