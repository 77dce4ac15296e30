// The evaluation as the markdown table pasted into models/MODEL_CARD.md.
import type { PairEvaluation } from './pair-evaluation.ts';

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

export function evaluationTable(evaluation: PairEvaluation): string {
  const lines = [
    `Eval split: ${evaluation.tasks} tasks, greedy decoding in node-llama-cpp.`,
    '',
    '| configuration | fact accuracy | facts in small corpus | facts not in small corpus | persona recall | ROUGE-L | prompt tokens (mean / max) | answers cut by the context |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of evaluation.results) {
    lines.push(
      `| ${r.configuration} | ${percent(r.factAccuracy)} | ${percent(r.facts.inSmall.accuracy)} (n=${r.facts.inSmall.count}) | ` +
        `${percent(r.facts.notInSmall.accuracy)} (n=${r.facts.notInSmall.count}) | ${percent(r.personaRecall)} | ${r.rougeL.toFixed(3)} | ` +
        `${r.promptTokens.mean.toFixed(0)} / ${r.promptTokens.max} | ${r.cutByContext} |`,
    );
  }
  lines.push(
    '',
    `Argmax agreement with large on public context, teacher-forced on the reference answers (${evaluation.answerPositions} positions):`,
    `small on public context ${percent(evaluation.agreementPublic)}; small with private history ${percent(evaluation.agreementWithHistory)}.`,
  );
  return lines.join('\n');
}
