// CLI: evaluate the model pair on PersonaWorld's eval split and print the model card's table.
// Usage: pnpm --filter @specsteer/train evaluate -- [--small PATH] [--large PATH] [--eval PATH]
//        [--limit N] [--max-new N] [--history-tokens N] [--trim-history N] [--json OUT]
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseEvalTask } from '@specsteer/personaworld';
import { evaluationTable } from './evaluation-table.ts';
import { loadModel } from '@specsteer/llama';
import { evaluatePair } from './pair-evaluation.ts';
import { repoRoot } from './paths.ts';

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: resolve(repoRoot, 'models/specsteer-small.gguf') },
    large: { type: 'string', default: resolve(repoRoot, 'models/specsteer-large.gguf') },
    eval: { type: 'string', default: resolve(repoRoot, 'data/personaworld/eval.jsonl') },
    limit: { type: 'string' },
    'max-new': { type: 'string', default: '96' },
    // Fill each private history to this many prompt tokens (quality at the longest context).
    'history-tokens': { type: 'string' },
    // Keep the most recent history messages whose device prompt fits this many tokens (the CLI's rule).
    'trim-history': { type: 'string' },
    json: { type: 'string' },
  },
});

function positiveInteger(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`E_BAD_ARGUMENT: --${name} must be a positive integer, got ${raw}`);
  return n;
}

const lines = readFileSync(values.eval, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const limit = values.limit ? positiveInteger('limit', values.limit) : lines.length;
const tasks = lines
  .slice(0, limit)
  .map((line, i) => parseEvalTask(JSON.parse(line), `eval.jsonl:${i + 1}`));
const small = await loadModel(values.small);
const large = await loadModel(values.large);
const started = Date.now();
const evaluation = await evaluatePair(small, large, tasks, {
  maxNewTokens: positiveInteger('max-new', values['max-new']),
  ...(values['trim-history'] !== undefined && {
    trimHistoryTokens: positiveInteger('trim-history', values['trim-history']),
  }),
  ...(values['history-tokens'] !== undefined && {
    historyTokens: positiveInteger('history-tokens', values['history-tokens']),
  }),
  onProgress: (done, total) => {
    if (done % 25 === 0 || done === total) process.stderr.write(`evaluated ${done}/${total}\n`);
  },
});
console.log(evaluationTable(evaluation));
console.log(
  `\n(${((Date.now() - started) / 1000).toFixed(0)} s; small ${values.small}, large ${values.large})`,
);
if (values.json) writeFileSync(values.json, JSON.stringify(evaluation, null, 2));
await small.dispose();
await large.dispose();
