import { PersonaWorldError } from './errors.ts';
import type { EvalFact, EvalTask } from './evalSplit.ts';

/**
 * Validation of eval.jsonl rows at the edge: a consumer (the benchmark) gets a
 * coded error naming the row and field instead of a crash deep in a scorer.
 */
function fail(where: string, message: string): never {
  throw new PersonaWorldError('bad_eval_task', `${where}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(row: Record<string, unknown>, key: string, where: string): string {
  const value = row[key];
  if (typeof value !== 'string' || value.length === 0)
    fail(where, `${key} must be a non-empty string`);
  return value;
}

function texts(row: Record<string, unknown>, key: string, where: string): string[] {
  const value = row[key];
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v) => typeof v === 'string' && v.length > 0)
  ) {
    fail(where, `${key} must be a non-empty array of non-empty strings`);
  }
  return value as string[];
}

function parseFact(value: unknown, where: string): EvalFact {
  if (!isRecord(value)) fail(where, 'fact must be an object');
  const hops = value.hops;
  if (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 1)
    fail(where, 'hops must be a positive integer');
  if (typeof value.inSmall !== 'boolean') fail(where, 'inSmall must be a boolean');
  return {
    entity: text(value, 'entity', where),
    attribute: text(value, 'attribute', where),
    value: text(value, 'value', where),
    hops,
    inSmall: value.inSmall,
  };
}

/** Parses one eval task; unknown extra fields are dropped, missing or mistyped ones are an error. */
export function parseEvalTask(value: unknown, where = 'eval task'): EvalTask {
  if (!isRecord(value)) fail(where, 'must be a JSON object');
  const facts = value.facts;
  if (!Array.isArray(facts) || facts.length === 0) fail(where, 'facts must be a non-empty array');
  return {
    id: text(value, 'id', where),
    userId: text(value, 'userId', where),
    history: texts(value, 'history', where),
    request: text(value, 'request', where),
    reference: text(value, 'reference', where),
    facts: facts.map((f, i) => parseFact(f, `${where}.facts[${i}]`)),
    styleItems: texts(value, 'styleItems', where),
  };
}
