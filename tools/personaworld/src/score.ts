import type { EvalTask } from './evalSplit.ts';
import { PersonaWorldError } from './errors.ts';

/**
 * Scorers for PersonaWorld answers. Matching is by whole words, case-insensitive,
 * so "Tellor" in "Tellorian" does not count.
 */
export function normalizeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** True when `needle`'s tokens occur contiguously in `haystackTokens`. */
function containsPhrase(haystackTokens: readonly string[], needle: string): boolean {
  const target = normalizeTokens(needle);
  if (target.length === 0) return false;
  outer: for (let i = 0; i + target.length <= haystackTokens.length; i++) {
    for (let j = 0; j < target.length; j++) {
      if (haystackTokens[i + j] !== target[j]) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * The facts a task is scored on: the deepest hop of its chain (for a one-hop
 * task the fact itself, for a two-hop task the final value).
 */
export function requiredFacts(task: Pick<EvalTask, 'facts'>): EvalTask['facts'] {
  const deepest = Math.max(...task.facts.map((f) => f.hops));
  return task.facts.filter((f) => f.hops === deepest);
}

/** Share of the task's required fact values present in the answer. */
export function factAccuracy(answer: string, task: Pick<EvalTask, 'facts'>): number {
  const required = requiredFacts(task);
  if (required.length === 0)
    throw new PersonaWorldError('bad_task', 'factAccuracy: task has no facts');
  const tokens = normalizeTokens(answer);
  return required.filter((f) => containsPhrase(tokens, f.value)).length / required.length;
}

/** Share of the user's style items present in the answer. */
export function personaRecall(answer: string, task: Pick<EvalTask, 'styleItems'>): number {
  if (task.styleItems.length === 0)
    throw new PersonaWorldError('bad_task', 'personaRecall: task has no style items');
  const tokens = normalizeTokens(answer);
  return (
    task.styleItems.filter((item) => containsPhrase(tokens, item)).length / task.styleItems.length
  );
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        a[i - 1] === b[j - 1]
          ? (previous[j - 1] as number) + 1
          : Math.max(previous[j] as number, current[j - 1] as number);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** ROUGE-L F-measure (beta = 1) over lower-cased word tokens; 0 when either side is empty. */
export function rougeL(answer: string, reference: string): number {
  const a = normalizeTokens(answer);
  const r = normalizeTokens(reference);
  if (a.length === 0 || r.length === 0) return 0;
  const lcs = lcsLength(a, r);
  if (lcs === 0) return 0;
  const precision = lcs / a.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface TaskScore {
  factAccuracy: number;
  personaRecall: number;
  rougeL: number;
}

export function scoreAnswer(
  answer: string,
  task: Pick<EvalTask, 'facts' | 'styleItems' | 'reference'>,
): TaskScore {
  return {
    factAccuracy: factAccuracy(answer, task),
    personaRecall: personaRecall(answer, task),
    rougeL: rougeL(answer, task.reference),
  };
}

export interface ScoreSummary extends TaskScore {
  count: number;
}

/** Mean of each score over a set of answered tasks. */
export function meanScores(scores: readonly TaskScore[]): ScoreSummary {
  if (scores.length === 0) return { count: 0, factAccuracy: 0, personaRecall: 0, rougeL: 0 };
  const mean = (key: keyof TaskScore) => scores.reduce((sum, s) => sum + s[key], 0) / scores.length;
  return {
    count: scores.length,
    factAccuracy: mean('factAccuracy'),
    personaRecall: mean('personaRecall'),
    rougeL: mean('rougeL'),
  };
}

/**
 * Fact accuracy split by the knowledge gap: over required facts the small
 * corpus stated (`inSmall`) and those it did not.
 */
export function factAccuracyByHalf(
  answered: readonly { answer: string; task: Pick<EvalTask, 'facts'> }[],
): {
  inSmall: { count: number; accuracy: number };
  notInSmall: { count: number; accuracy: number };
} {
  const halves = { inSmall: { count: 0, hits: 0 }, notInSmall: { count: 0, hits: 0 } };
  for (const { answer, task } of answered) {
    const tokens = normalizeTokens(answer);
    for (const fact of requiredFacts(task)) {
      const half = fact.inSmall ? halves.inSmall : halves.notInSmall;
      half.count++;
      if (containsPhrase(tokens, fact.value)) half.hits++;
    }
  }
  const rate = (h: { count: number; hits: number }) => ({
    count: h.count,
    accuracy: h.count === 0 ? 0 : h.hits / h.count,
  });
  return { inSmall: rate(halves.inSmall), notInSmall: rate(halves.notInSmall) };
}
