// Quality of SpecSteer against exact π (the fusion target decoded from full
// distributions) and the baselines, on the PersonaWorld eval split with the
// shipped pair, greedy and sampled. A measurement, not a test:
//
//   npx -y pnpm@12.4.2 exec tsx tools/bench/src/quality.ts [--limit N] [--methods a,b]
//        [--k 8] [--top-k 20] [--max-tokens 96] [--seed 1] [--temperature 1] [--json out.json]
//
// Methods: exact-greedy, exact-t1, specsteer-greedy, specsteer-t1,
// fusion-greedy, fusion-t1 (token-level fusion: k = 0), cloud-greedy,
// local-greedy. The verifier is core's VerifierConversation over the
// llama.cpp target scorer, in process (the verifier app serves the same code).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  runCloudOnly,
  runExactFusion,
  runLocalOnly,
  runSpecSteer,
  type GenerationResult,
} from '@specsteer/core';
import { meanScores, scoreAnswer, type TaskScore } from '@specsteer/personaworld';
import { evalSplit, loadModelPair, taskSeed } from './model-pair.ts';

const METHODS = [
  'exact-greedy',
  'exact-t1',
  'specsteer-greedy',
  'specsteer-t1',
  'fusion-greedy',
  'fusion-t1',
  'cloud-greedy',
  'local-greedy',
] as const;
type Method = (typeof METHODS)[number];

const { values } = parseArgs({
  options: {
    limit: { type: 'string' },
    methods: { type: 'string', default: METHODS.join(',') },
    k: { type: 'string', default: '8' },
    temperature: { type: 'string' },
    'top-k': { type: 'string', default: '20' },
    'max-tokens': { type: 'string', default: '96' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const methods = values.methods.split(',').map((m) => {
  if (!(METHODS as readonly string[]).includes(m)) {
    throw new Error(`unknown method ${m}; choose from ${METHODS.join(', ')}`);
  }
  return m as Method;
});
const k = Number(values.k);
const topK = Number(values['top-k']);
const maxTokens = Number(values['max-tokens']);
const baseSeed = Number(values.seed);
const tasks = evalSplit(values.limit === undefined ? undefined : Number(values.limit));
const pair = await loadModelPair();

async function run(method: Method, index: number): Promise<GenerationResult> {
  const task = tasks[index]!;
  const { context, messages } = pair.contexts(task);
  // The sampled methods run at T = 1 unless --temperature says otherwise.
  const temperature = method.endsWith('t1') ? Number(values.temperature ?? 1) : 0;
  const sampling = {
    temperature,
    seed: taskSeed(baseSeed, index),
    topK,
    maxTokens,
    stopTokens: [pair.stopToken],
  };
  if (method.startsWith('exact')) {
    return runExactFusion({ drafter: pair.drafter, context, target: pair.target, sampling });
  }
  if (method === 'cloud-greedy') {
    return runCloudOnly({ target: pair.target, promptTokens: context.public, sampling });
  }
  if (method === 'local-greedy') {
    return runLocalOnly({ drafter: pair.drafter, contextTokens: context.device, sampling });
  }
  return runSpecSteer({
    connect: pair.connect(),
    drafter: pair.drafter,
    context,
    reproducible: true,
    prompt: { messages },
    tokenizerFingerprint: pair.fingerprint,
    sampling,
    draftTokens: method.startsWith('fusion') ? 0 : k,
    ...(method.startsWith('fusion') && { method: 'token-fusion' as const }),
  });
}

const report: Record<string, unknown> = {};
console.log(
  `eval split: ${tasks.length} tasks; k = ${k}, top-K = ${topK}, max tokens ${maxTokens}, base seed ${baseSeed}`,
);
console.log(
  'method            fact %  persona %  ROUGE-L  tokens/round  rounds  unseen drafts  seconds',
);
for (const method of methods) {
  const started = performance.now();
  const scores: TaskScore[] = [];
  let tokens = 0;
  let rounds = 0;
  let drafted = 0;
  let unseen = 0;
  const answers: string[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const result = await run(method, i);
    const answer = pair.detokenize(result.tokens);
    answers.push(answer);
    scores.push(scoreAnswer(answer, tasks[i]!));
    tokens += result.tokens.length;
    rounds += result.metrics.rounds;
    drafted += result.metrics.draftedPerRound.reduce((a, b) => a + b, 0);
    unseen += result.metrics.unseenDrafts;
  }
  const mean = meanScores(scores);
  const seconds = (performance.now() - started) / 1000;
  const perRound = rounds > 0 ? tokens / rounds : 0;
  // Drafted tokens the answer never shows at their position: what only the verifier saw.
  const unseenShare = drafted > 0 ? unseen / drafted : 0;
  console.log(
    `${method.padEnd(16)} ${(mean.factAccuracy * 100).toFixed(1).padStart(6)}  ${(mean.personaRecall * 100).toFixed(1).padStart(9)}  ${mean.rougeL.toFixed(3).padStart(7)}  ${perRound.toFixed(2).padStart(12)}  ${String(rounds).padStart(6)}  ${(unseenShare * 100).toFixed(1).padStart(12)}%  ${seconds.toFixed(0).padStart(7)}`,
  );
  report[method] = {
    ...mean,
    tokens,
    rounds,
    tokensPerRound: perRound,
    drafted,
    unseenDrafts: unseen,
    seconds,
    answers,
  };
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(report, null, 2));
await pair.dispose();
