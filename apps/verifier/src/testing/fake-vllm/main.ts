// Run a vLLM-shaped target server on this machine, over the offline model
// pair's large model in llama.cpp, to try the verifier's `vllm` backend
// without a GPU (the device computes s itself; the cloud serves only p):
//
//   npx -y pnpm@12.4.2 exec tsx apps/verifier/src/testing/fake-vllm/main.ts [port]
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
const [targetPort] = process.argv.slice(2).map(Number);
const targetEngine = await LlamaModelEngine.load(pair.targetPath);
const target = await startFakeVllm({
  engine: targetEngine,
  servedModelName: 'specsteer-large',
  ...(targetPort !== undefined && { port: targetPort }),
});
process.stdout.write(
  [
    `fake vLLM target    ${target.url}  (${pair.targetPath})`,
    '',
    'SPECSTEER_BACKEND=vllm',
    `SPECSTEER_VLLM_TARGET_URL=${target.url}`,
    `SPECSTEER_VLLM_VOCAB_SIZE=${targetEngine.vocabSize}`,
    '',
  ].join('\n'),
);

const stop = async () => {
  await target.close();
  await targetEngine.dispose();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
