// Cost of one verification round (k draft tokens) on the embedded backend:
// a scoring session that keeps its KV cache and evaluates only the new tokens,
// against re-evaluating the whole public sequence every round (what a
// stateless scorer such as vLLM with prompt_logprobs does).
//
//   pnpm --filter @specsteer/verifier bench:kv [--rounds 40] [--k 8] [--sessions 1,8,32,64]
//
// Uses the model pair from models/ (or data/interim/, or the
// SPECSTEER_{TARGET,REFERENCE}_MODEL_PATH variables). One thread per context.

import { parseArgs } from 'node:util';
import type { TokenId } from '@specsteer/core';
import type { Token } from 'node-llama-cpp';
import { evaluateSuffix, positionScore, type LlamaScorer } from '@specsteer/llama';
import { createLlamaCppBackend } from '../src/backends/llamacpp/index.ts';
import { testModelPair, NO_MODEL_PAIR_REASON } from '@specsteer/llama/testing';

const argv = process.argv.slice(2);
const { values } = parseArgs({
  // `pnpm bench:kv -- --rounds 10` passes the `--` through.
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    rounds: { type: 'string', default: '40' },
    k: { type: 'string', default: '8' },
    'top-k': { type: 'string', default: '20' },
    seed: { type: 'string', default: '7' },
    /** Concurrent sessions to measure (comma-separated), each running the same rounds. */
    sessions: { type: 'string', default: '1,8,32,64' },
    'sequences-per-context': { type: 'string', default: '8' },
    'max-contexts': { type: 'string', default: '8' },
    'context-size': { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const k = Number(values.k);
const topK = Number(values['top-k']);

const pair = testModelPair();
if (pair === null) {
  console.error(NO_MODEL_PAIR_REASON);
  process.exit(2);
}

/** A fixed pseudo-random stream (the cost does not depend on which ids are drafted). */
let state = Number(values.seed) >>> 0 || 1;
const nextRandom = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};

const backend = await createLlamaCppBackend({
  ...pair,
  sequencesPerContext: Number(values['sequences-per-context']),
  maxContexts: Number(values['max-contexts']),
  ...(values['context-size'] !== undefined && { contextSize: Number(values['context-size']) }),
});
const prompt = await backend.tokenizePrompt([
  { role: 'system', content: 'You write short notes for a small team.' },
  {
    role: 'user',
    content: 'Write a note to the team about the capital of Varnia and the weather in Tellor.',
  },
]);
const vocab = backend.vocabSize;
const maxRounds = Math.min(rounds, Math.floor((backend.contextSize - prompt.length - 1) / (k + 1)));

/** One generation's rounds: each commits a random accepted prefix plus one corrected token. */
const script: { tokens: TokenId[]; from: number }[] = [];
let committed: TokenId[] = [];
for (let r = 0; r < maxRounds; r++) {
  const draft = Array.from({ length: k }, () => Math.floor(nextRandom() * vocab));
  script.push({
    tokens: [...prompt, ...committed, ...draft],
    from: prompt.length + committed.length,
  });
  const accepted = Math.floor(nextRandom() * (k + 1));
  committed = [...committed, ...draft.slice(0, accepted), Math.floor(nextRandom() * vocab)];
}

/** CPU time of this process (all threads, llama.cpp's included) in ms: robust to other load on the machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** KV reuse: one scoring session across the rounds, as the server keeps it. */
async function runWithReuse(scorer: LlamaScorer) {
  const before = scorer.counter.evaluatedTokens;
  const session = await scorer.openSession();
  const ms: number[] = [];
  const cpuBefore = cpuMs();
  for (const { tokens, from } of script) {
    const started = performance.now();
    await session.score(tokens, from, { topK, temperature: 1 });
    ms.push(performance.now() - started);
  }
  const cpuPerRound = (cpuMs() - cpuBefore) / script.length;
  await session.close();
  return {
    ms,
    cpuPerRound,
    evaluatedPerRound: (scorer.counter.evaluatedTokens - before) / script.length,
  };
}

/** Stateless: the cache is cleared before every round and the whole sequence evaluated again. */
async function runWithoutReuse(scorer: LlamaScorer) {
  const context = await scorer.model.createContext({
    contextSize: backend.contextSize,
    threads: 1,
    batchSize: backend.contextSize,
  });
  const sequence = context.getSequence();
  const ms: number[] = [];
  let evaluated = 0;
  let cpu = 0;
  for (const { tokens, from } of script) {
    await sequence.clearHistory();
    const cpuBefore = cpuMs();
    const started = performance.now();
    const result = await evaluateSuffix(sequence, tokens as Token[], from - 1);
    result.distributions.forEach((next, i) =>
      positionScore(next, tokens[from + i], { topK, temperature: 1 }, backend.vocabSize),
    );
    ms.push(performance.now() - started);
    cpu += cpuMs() - cpuBefore;
    evaluated += result.evaluatedTokens;
  }
  await context.dispose();
  return { ms, cpuPerRound: cpu / script.length, evaluatedPerRound: evaluated / script.length };
}

console.log(
  `target: ${pair.targetPath}; vocab ${vocab}; prompt ${prompt.length} tokens; ` +
    `${script.length} rounds of k = ${k}; final sequence ${script.at(-1)!.tokens.length} tokens; top-K ${topK}`,
);
console.log(
  'model      mode          p50 ms   p99 ms   mean ms  CPU ms/round  tokens evaluated/round',
);
for (const [name, scorer] of [['target', backend.target]] as const) {
  await runWithReuse(scorer); // warm-up: first evaluations allocate buffers
  for (const reuse of [true, false]) {
    const { ms, cpuPerRound, evaluatedPerRound } = await (reuse
      ? runWithReuse(scorer)
      : runWithoutReuse(scorer));
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    console.log(
      `${name.padEnd(10)} ${(reuse ? 'KV reuse' : 'full re-eval').padEnd(12)} ${percentile(ms, 50)
        .toFixed(2)
        .padStart(
          8,
        )} ${percentile(ms, 99).toFixed(2).padStart(8)} ${mean.toFixed(2).padStart(9)}  ${cpuPerRound.toFixed(2).padStart(12)}  ${evaluatedPerRound.toFixed(1).padStart(8)}`,
    );
  }
}

// A round as the server scores it: the target over the k + 1 positions (KV reuse).
const t = await backend.target.openSession();
const roundMs: number[] = [];
const roundCpuBefore = cpuMs();
for (const { tokens, from } of script) {
  const started = performance.now();
  await t.score(tokens, from, { topK, temperature: 1 });
  roundMs.push(performance.now() - started);
}
const roundCpu = (cpuMs() - roundCpuBefore) / script.length;
await t.close();
console.log(
  `round (target, KV reuse): p50 ${percentile(roundMs, 50).toFixed(2)} ms, p99 ${percentile(roundMs, 99).toFixed(2)} ms, CPU ${roundCpu.toFixed(2)} ms`,
);

// Many sessions at once: each runs the script's rounds (one target pass per round).
// Sessions beyond the pool's sequences share caches (LRU) and re-evaluate after an eviction.
console.log(
  `\nconcurrent sessions (pool: ${values['sequences-per-context']} sequences × ${values['max-contexts']} contexts per model, ${backend.contextSize} tokens each)`,
);
console.log(
  'sessions  rounds/s  p50 ms/round  p99 ms/round  CPU ms/round  evaluated/round  (round = target, k + 1 positions)',
);
for (const sessions of values.sessions.split(',').map(Number)) {
  const before = backend.target.counter.evaluatedTokens;
  const latencies: number[] = [];
  const started = performance.now();
  const cpuBefore = cpuMs();
  await Promise.all(
    Array.from({ length: sessions }, async () => {
      const target = await backend.target.openSession();
      for (const { tokens, from } of script) {
        const roundStarted = performance.now();
        await target.score(tokens, from, { topK, temperature: 1 });
        latencies.push(performance.now() - roundStarted);
      }
      await target.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const rounds = sessions * script.length;
  const cpuPerRound = (cpuMs() - cpuBefore) / rounds;
  const evaluatedPerRound = (backend.target.counter.evaluatedTokens - before) / rounds;
  const row = [
    String(sessions).padStart(8),
    (rounds / seconds).toFixed(1).padStart(8),
    percentile(latencies, 50).toFixed(1).padStart(12),
    percentile(latencies, 99).toFixed(1).padStart(12),
    cpuPerRound.toFixed(2).padStart(12),
    evaluatedPerRound.toFixed(1).padStart(15),
  ];
  console.log(row.join('  '));
}
await backend.close();
