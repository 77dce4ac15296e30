import { renderPublicPrompt, type ChatMessage, type TokenId } from '@specsteer/core';
import type { LlamaModel } from 'node-llama-cpp';

/**
 * The tokenizer of the offline model pair as llama.cpp runs it. Markers such
 * as `<|user|>` are user-defined symbols of the SentencePiece model, which
 * llama.cpp matches even with special-token parsing off; keeping it off means
 * a text containing "<s>" or "</s>" stays text instead of becoming BOS/EOS.
 * (Core's template also refuses markers inside message texts.)
 */
export class OfflineTokenizer {
  constructor(private readonly model: LlamaModel) {}

  /** Token ids of `text` without BOS (what core's fingerprint hashes). */
  tokenize(text: string): TokenId[] {
    return this.model.tokenize(text, false) as TokenId[];
  }

  /** BOS, which llama.cpp's tokenize does not add (ENGINES.md). */
  get bos(): TokenId | null {
    return this.model.tokens.bos;
  }

  /** A whole document: BOS, then the text (DESIGN.md §6 chat format). */
  tokenizeDocument(text: string): TokenId[] {
    const bos = this.bos;
    return bos === null ? this.tokenize(text) : [bos, ...this.tokenize(text)];
  }

  /** The public prompt the cloud scores: BOS + the chat turns + `<|assistant|>`. */
  tokenizePublicPrompt(messages: readonly ChatMessage[]): TokenId[] {
    return this.tokenizeDocument(renderPublicPrompt(messages));
  }

  detokenize(tokens: readonly TokenId[]): string {
    return this.model.detokenize(tokens as Parameters<LlamaModel['detokenize']>[0]);
  }

  /** The id of a text that must be exactly one token (a chat marker), or null. */
  singleToken(text: string): TokenId | null {
    const ids = this.tokenize(text);
    return ids.length === 1 ? ids[0]! : null;
  }
}
