/**
 * pnpm exec tsx tools/personaworld/src/cli.ts --seed 1 --out data/personaworld [--eval-tasks 300] [--target-bytes 7000000]
 *
 * Writes world.jsonl, train-large.jsonl, train-small.jsonl, eval.jsonl and,
 * LAST, header.json: its presence means the corpus is complete.
 */
import { DEFAULTS } from './generate.ts';
import { writePersonaWorld } from './write.ts';
import { PersonaWorldError } from './errors.ts';

function parseArgs(argv: string[]): {
  seed: number;
  out: string;
  evalTasks: number;
  targetBytes: number;
} {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith('--') || value === undefined)
      throw new PersonaWorldError(
        'bad_argument',
        `usage: cli.ts --seed N --out DIR [--eval-tasks N] [--target-bytes N] (bad argument ${key})`,
      );
    values.set(key.slice(2), value);
  }
  const integer = (name: string, fallback?: number): number => {
    const raw = values.get(name);
    if (raw === undefined) {
      if (fallback === undefined)
        throw new PersonaWorldError('bad_argument', `--${name} is required`);
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isInteger(n))
      throw new PersonaWorldError('bad_argument', `--${name} must be an integer, got ${raw}`);
    return n;
  };
  const out = values.get('out');
  if (!out) throw new PersonaWorldError('bad_argument', '--out is required');
  return {
    seed: integer('seed'),
    out,
    evalTasks: integer('eval-tasks', DEFAULTS.evalTasks),
    targetBytes: integer('target-bytes', DEFAULTS.targetBytes),
  };
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof PersonaWorldError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const started = Date.now();
const header = writePersonaWorld(args);
console.log(
  `personaworld seed ${header.seed}: ${header.counts.facts} facts (${header.counts.factsInSmall} in small), ` +
    `${header.counts.trainLargeDocuments} documents per corpus, ${header.counts.evalTasks} eval tasks, ` +
    `${Date.now() - started} ms -> ${args.out}`,
);
