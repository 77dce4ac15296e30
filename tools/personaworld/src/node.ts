/** Node-only entry (file system): write a PersonaWorld to a folder, read an eval split back. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvalTask } from './evalSchema.ts';
import { PersonaWorldError } from './errors.ts';
import type { EvalTask } from './evalSplit.ts';

export { writePersonaWorld, type WriteOptions } from './write.ts';

/** Reads `eval.jsonl` from a PersonaWorld folder (or a path to the file itself), validating every row. */
export function readEvalSplit(dirOrFile: string): EvalTask[] {
  const path = dirOrFile.endsWith('.jsonl') ? dirOrFile : join(dirOrFile, 'eval.jsonl');
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PersonaWorldError(
      'bad_argument',
      `cannot read ${path} (${(error as Error).message}); generate it with tools/personaworld/src/cli.ts`,
    );
  }
  return raw
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new PersonaWorldError('bad_eval_task', `${path}:${i + 1}: not valid JSON`);
      }
      return parseEvalTask(row, `${path}:${i + 1}`);
    });
}
