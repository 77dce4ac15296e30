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

export async function evaluatePair(
  small: LoadedModel,
  large: LoadedModel,
  tasks: readonly EvalTask[],
  options: EvaluationOptions,
): Promise<PairEvaluation> {
  const answered = new Map<Configuration, { answer: string; task: EvalTask; score: TaskScore }[]>(
    CONFIGURATIONS.map((c) => [c, []]),
  );
  let agreePublic = 0;
  let agreeHistory = 0;
  let positions = 0;
  for (const [i, task] of tasks.entries()) {
    const prompts: Record<Configuration, [LoadedModel, string]> = {
      large: [large, publicPrompt(task.request)],
      small: [small, publicPrompt(task.request)],
      'small+history': [small, devicePrompt(task.history, task.request)],
      'large+history': [large, devicePrompt(task.history, task.request)],
    };
    for (const configuration of CONFIGURATIONS) {
      const [model, prompt] = prompts[configuration];
      const generated = await greedyContinuation(
        model,
        tokenizeWithBos(model, prompt),
        options.maxNewTokens,
      );
      const answer = answerText(model, generated);
      answered.get(configuration)!.push({ answer, task, score: scoreAnswer(answer, task) });
    }

    const reference = [...small.model.tokenize(task.reference, true), small.end];
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
    return {
      configuration,
      ...meanScores(rows.map((r) => r.score)),
      facts: factAccuracyByHalf(rows),
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
