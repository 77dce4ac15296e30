// What the benchmark generates for: the PersonaWorld eval split (facts and
// style items known, so fact accuracy and persona recall are scored), or a
// LongLaMP-style JSONL file of real data (profile/history + input + reference:
// ROUGE-L only).

import { readFileSync } from 'node:fs';
import { rougeL, scoreAnswer, type EvalTask } from '@specsteer/personaworld';
import { evalSplit } from './model-pair.ts';

export interface BenchTask {
  id: string;
  /** Private: the user's past messages or profile entries (device only). */
  history: string[];
  /** Public: the request the cloud sees. */
  request: string;
  reference: string;
  /** PersonaWorld only: what fact accuracy and persona recall are scored against. */
  eval?: EvalTask;
}

export interface AnswerScore {
  /** null when the input has no facts to check (real data). */
  factAccuracy: number | null;
  personaRecall: number | null;
  rougeL: number;
}

export function personaWorldTasks(): BenchTask[] {
  return evalSplit().map((task) => ({
    id: task.id,
    history: task.history,
    request: task.request,
    reference: task.reference,
    eval: task,
  }));
}

/**
 * LongLaMP-style JSONL: one object a line with `input` (the request), a
 * reference (`reference`, `output` or `target`) and the private part as
 * `history` (strings) and/or `profile` (strings, or objects whose string
 * fields are joined). Only the `maxHistory` last entries are kept.
 */
export function jsonlTasks(path: string, maxHistory = 8): BenchTask[] {
  const tasks: BenchTask[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not JSON (${(error as Error).message})`, { cause: error });
    }
    const request = row.input;
    const reference = row.reference ?? row.output ?? row.target;
    if (typeof request !== 'string' || typeof reference !== 'string') {
      throw new Error(
        `${path}:${i + 1}: needs string fields "input" and "reference" (or "output")`,
      );
    }
    const history: string[] = [];
    for (const field of ['profile', 'history'] as const) {
      const value = row[field];
      if (value === undefined) continue;
      const entries = Array.isArray(value) ? value : [value];
      for (const entry of entries) {
        if (typeof entry === 'string') history.push(entry);
        else if (entry !== null && typeof entry === 'object') {
          const text = Object.values(entry as Record<string, unknown>)
            .filter((v): v is string => typeof v === 'string')
            .join(' — ');
          if (text !== '') history.push(text);
        } else {
          throw new Error(`${path}:${i + 1}: "${field}" entries must be strings or objects`);
        }
      }
    }
    tasks.push({
      id:
        typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : `line-${i + 1}`,
      history: history.slice(-maxHistory),
      request,
      reference,
    });
  });
  if (tasks.length === 0) throw new Error(`${path}: no tasks`);
  return tasks;
}

export function scoreTask(answer: string, task: BenchTask): AnswerScore {
  if (task.eval !== undefined) return scoreAnswer(answer, task.eval);
  return { factAccuracy: null, personaRecall: null, rougeL: rougeL(answer, task.reference) };
}
