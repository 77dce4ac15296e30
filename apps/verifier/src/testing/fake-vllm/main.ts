// Run a vLLM-shaped target + reference pair on this machine, over the offline
// model pair in llama.cpp, to try the verifier's `vllm` backend without a GPU:
//
//   pnpm exec tsx apps/verifier/src/testing/fake-vllm/main.ts [targetPort] [referencePort]
//
// It prints the SPECSTEER_* variables that point a verifier at it. Ctrl-C stops it.

import { testModelPair, NO_MODEL_PAIR_REASON } from '@specsteer/llama/testing';
import { startFakeVllm } from './fake-vllm-server.ts';
import { LlamaModelEngine } from './llama-model-engine.ts';

const pair = testModelPair();
if (pair === null) {
  process.stderr.write(`fake-vllm: ${NO_MODEL_PAIR_REASON}\n`);
  process.exit(1);
}
const [targetPort, referencePort] = process.argv.slice(2).map(Number);
const [targetEngine, referenceEngine] = await Promise.all([
  LlamaModelEngine.load(pair.targetPath),
  LlamaModelEngine.load(pair.referencePath),
]);
const target = await startFakeVllm({
  engine: targetEngine,
  servedModelName: 'specsteer-large',
  ...(targetPort !== undefined && { port: targetPort }),
});
const reference = await startFakeVllm({
  engine: referenceEngine,
  servedModelName: 'specsteer-small',
  ...(referencePort !== undefined && { port: referencePort }),
});
process.stdout.write(
  [
    `fake vLLM target    ${target.url}  (${pair.targetPath})`,
    `fake vLLM reference ${reference.url}  (${pair.referencePath})`,
    '',
    'SPECSTEER_BACKEND=vllm',
    `SPECSTEER_VLLM_TARGET_URL=${target.url}`,
    `SPECSTEER_VLLM_REFERENCE_URL=${reference.url}`,
    `SPECSTEER_VLLM_VOCAB_SIZE=${targetEngine.vocabSize}`,
    '',
  ].join('\n'),
);

const stop = async () => {
  await Promise.all([target.close(), reference.close()]);
  await Promise.all([targetEngine.dispose(), referenceEngine.dispose()]);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
