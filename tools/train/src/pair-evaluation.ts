// The pair's evaluation on PersonaWorld's eval split (docs/design.md §6): greedy answers of
// four configurations scored with PersonaWorld's own scorers, and argmax agreement
// teacher-forced on the reference answer (what drives acceptance in the ratio test).
import {
  devicePrompt,
  factAccuracyByHalf,
  meanScores,
  publicPrompt,
  scoreAnswer,
  type EvalTask,
  type ScoreSummary,
  type TaskScore,
} from '@specsteer/personaworld';
import type { Token } from 'node-llama-cpp';
import { argmaxAt, greedyContinuation, tokenizeWithBos, type LoadedModel } from '@specsteer/llama';

export const CONFIGURATIONS = ['large', 'small', 'small+history', 'large+history'] as const;
export type Configuration = (typeof CONFIGURATIONS)[number];

export interface ConfigurationResult extends ScoreSummary {
  configuration: Configuration;
  facts: ReturnType<typeof factAccuracyByHalf>;
  /** Prompt lengths in tokens (BOS included). */
  promptTokens: { mean: number; max: number };
  /** Answers that reached the end of the model's context before their stop token. */
  cutByContext: number;
}

export interface PairEvaluation {
  tasks: number;
  results: ConfigurationResult[];
  /** Share of answer positions where small and large argmax agree, both on public context. */
  agreementPublic: number;
  /** Same, with the small model also seeing the private history (the drafter's real view). */
  agreementWithHistory: number;
  answerPositions: number;
  examples: { id: string; configuration: Configuration; answer: string }[];
}

export interface EvaluationOptions {
  maxNewTokens: number;
  /**
   * Lengthen each private history (repeating the user's own messages, oldest
   * first) until the device prompt is as close to this many tokens as it gets
   * without passing it: quality when the answer ends at the context's edge.
   */
  historyTokens?: number;
  /** Drop the oldest history messages until the device prompt is at most this many tokens (what the CLI does). */
  trimHistoryTokens?: number;
  onProgress?: (done: number, total: number) => void;
}

function answerText(model: LoadedModel, generated: Token[]): string {
  const body = generated[generated.length - 1] === model.end ? generated.slice(0, -1) : generated;
  return model.model.detokenize(body);
}

/** Argmax predictions for each token of `answer` (and the closing stop token) after `prompt`. */
async function answerArgmax(model: LoadedModel, prompt: string, answer: Token[]): Promise<Token[]> {
  const promptTokens = tokenizeWithBos(model, prompt);
  const predictions = await argmaxAt(model, [...promptTokens, ...answer.slice(0, -1)]);
  return predictions.slice(promptTokens.length - 1);
}

/** The task's history, its messages repeated before it until the device prompt nears `tokens`. */
export function filledHistory(model: LoadedModel, task: EvalTask, tokens: number): string[] {
  if (task.history.length === 0) return [...task.history];
  const length = (history: readonly string[]) =>
    tokenizeWithBos(model, devicePrompt(history, task.request)).length;
  let history = [...task.history];
  for (let i = task.history.length - 1; ; i = (i + task.history.length - 1) % task.history.length) {
    const longer = [task.history[i]!, ...history];
    if (length(longer) > tokens) return history;
    history = longer;
  }
}

/** The most recent history messages whose device prompt fits in `tokens`. */
export function trimmedHistory(model: LoadedModel, task: EvalTask, tokens: number): string[] {
  let history = [...task.history];
  while (
    history.length > 0 &&
    tokenizeWithBos(model, devicePrompt(history, task.request)).length > tokens
  ) {
    history = history.slice(1);
  }
  return history;
}

export async function evaluatePair(
  small: LoadedModel,
  large: LoadedModel,
  tasks: readonly EvalTask[],
  options: EvaluationOptions,
): Promise<PairEvaluation> {
  const answered = new Map<Configuration, { answer: string; task: EvalTask; score: TaskScore }[]>(
    CONFIGURATIONS.map((c) => [c, []]),
  );
  const cut = new Map<Configuration, number>();
  const promptLengths = new Map<Configuration, number[]>(CONFIGURATIONS.map((c) => [c, []]));
  let agreePublic = 0;
  let agreeHistory = 0;
  let positions = 0;
  for (const [i, original] of tasks.entries()) {
    let task =
      options.historyTokens === undefined
        ? original
        : { ...original, history: filledHistory(small, original, options.historyTokens) };
    if (options.trimHistoryTokens !== undefined) {
      task = { ...task, history: trimmedHistory(small, task, options.trimHistoryTokens) };
    }
    const prompts: Record<Configuration, [LoadedModel, string]> = {
      large: [large, publicPrompt(task.request)],
      small: [small, publicPrompt(task.request)],
      'small+history': [small, devicePrompt(task.history, task.request)],
      'large+history': [large, devicePrompt(task.history, task.request)],
    };
    for (const configuration of CONFIGURATIONS) {
      const [model, prompt] = prompts[configuration];
      const promptTokens = tokenizeWithBos(model, prompt);
      // Never past the model's context: an answer that has not ended by then counts as cut.
      const room = model.sequence.contextSize - promptTokens.length;
      const generated = await greedyContinuation(
        model,
        promptTokens,
        Math.max(0, Math.min(options.maxNewTokens, room)),
      );
      if (room < options.maxNewTokens && generated.at(-1) !== model.end) {
        cut.set(configuration, (cut.get(configuration) ?? 0) + 1);
      }
      promptLengths.get(configuration)!.push(promptTokens.length);
      const answer = answerText(model, generated);
      answered.get(configuration)!.push({ answer, task, score: scoreAnswer(answer, task) });
    }

    const reference = [...small.model.tokenize(task.reference, true), small.end];
    const longest = tokenizeWithBos(small, devicePrompt(task.history, task.request)).length;
    if (longest + reference.length > small.sequence.contextSize) {
      // The reference answer does not fit after this history: no agreement to measure.
      options.onProgress?.(i + 1, tasks.length);
      continue;
    }
    const largePublic = await answerArgmax(large, publicPrompt(task.request), reference);
    const smallPublic = await answerArgmax(small, publicPrompt(task.request), reference);
    const smallHistory = await answerArgmax(
      small,
      devicePrompt(task.history, task.request),
      reference,
    );
    largePublic.forEach((token, j) => {
      if (smallPublic[j] === token) agreePublic++;
      if (smallHistory[j] === token) agreeHistory++;
    });
    positions += largePublic.length;
    options.onProgress?.(i + 1, tasks.length);
  }

  const results = CONFIGURATIONS.map((configuration) => {
    const rows = answered.get(configuration)!;
    const lengths = promptLengths.get(configuration)!;
    return {
      configuration,
      ...meanScores(rows.map((r) => r.score)),
      facts: factAccuracyByHalf(rows),
      promptTokens: {
        mean: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
        max: Math.max(0, ...lengths),
      },
      cutByContext: cut.get(configuration) ?? 0,
    };
  });
  const examples = CONFIGURATIONS.flatMap((configuration) =>
    answered
      .get(configuration)!
      .slice(0, 2)
      .map((r) => ({ id: r.task.id, configuration, answer: r.answer })),
  );
  return {
    tasks: tasks.length,
    results,
    agreementPublic: positions === 0 ? 0 : agreePublic / positions,
    agreementWithHistory: positions === 0 ? 0 : agreeHistory / positions,
    answerPositions: positions,
    examples,
  };
}
