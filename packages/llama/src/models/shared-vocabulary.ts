import type { ModelFileSummary } from '../gguf/index.ts';
import { ModelPairMismatchError } from './model-pair-mismatch-error.ts';

/**
 * Target and reference must read token ids the same way (docs/design.md §5): the
 * same pieces at the same ids, the same token types and special ids. Checked
 * on the GGUF metadata before either model is loaded.
 */
export function checkSharedVocabulary(target: ModelFileSummary, reference: ModelFileSummary): void {
  const where = `target ${target.path} and reference ${reference.path}`;
  if (target.tokens.length !== reference.tokens.length) {
    throw new ModelPairMismatchError(
      `${where} have vocabularies of ${target.tokens.length} and ${reference.tokens.length} tokens; they must share one tokenizer`,
    );
  }
  if (target.tokenizerModel !== reference.tokenizerModel) {
    throw new ModelPairMismatchError(
      `${where} use tokenizer models "${target.tokenizerModel}" and "${reference.tokenizerModel}"`,
    );
  }
  const differs = target.tokens.findIndex(
    (piece, id) =>
      piece !== reference.tokens[id] ||
      (target.tokenTypes?.[id] ?? null) !== (reference.tokenTypes?.[id] ?? null),
  );
  if (differs >= 0) {
    throw new ModelPairMismatchError(
      `${where} differ at token ${differs} (${JSON.stringify(target.tokens[differs])} vs ${JSON.stringify(reference.tokens[differs])})`,
    );
  }
  if (target.bosId !== reference.bosId || target.eosId !== reference.eosId) {
    throw new ModelPairMismatchError(
      `${where} have different BOS/EOS ids (${target.bosId}/${target.eosId} vs ${reference.bosId}/${reference.eosId})`,
    );
  }
}
