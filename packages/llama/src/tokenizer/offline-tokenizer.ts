import {
  OFFLINE_MARKERS,
  renderPublicPrompt,
  type ChatMessage,
  type TokenId,
} from '@specsteer/core';
import type { LlamaModel } from 'node-llama-cpp';

const MARKER_PATTERN = new RegExp(
  `(${Object.values(OFFLINE_MARKERS)
    .map((marker) => marker.replace(/[|]/g, '\\|'))
    .join('|')})`,
);

/**
 * The tokenizer of the offline model pair as llama.cpp runs it. The chat
 * markers are single pieces of the SentencePiece model, but llama.cpp treats
 * `<|end|>` (the end-of-generation token) as a control token, matched only
 * with special-token parsing on — which would also turn a literal "<s>" in a
 * text into BOS. So the markers are mapped to their ids here and only the
 * text between them is tokenized, with special parsing off: ids equal
 * SentencePiece's (the training export's fixture checks it).
 */
export class OfflineTokenizer {
  private readonly markerIds = new Map<string, TokenId>();

  constructor(private readonly model: LlamaModel) {
    for (const marker of Object.values(OFFLINE_MARKERS)) {
      const ids = model.tokenize(marker, true) as TokenId[];
      if (ids.length === 1) this.markerIds.set(marker, ids[0]!);
    }
  }

  /** Token ids of `text` without BOS (what core's fingerprint hashes). */
  tokenize(text: string): TokenId[] {
    const ids: TokenId[] = [];
    for (const part of text.split(MARKER_PATTERN)) {
      if (part === '') continue;
      const markerId = this.markerIds.get(part);
      if (markerId !== undefined) ids.push(markerId);
      // A loop, not push(...ids): spreading a long text's ids into a call overflows the stack (~100k).
      else for (const id of this.model.tokenize(part, false) as TokenId[]) ids.push(id);
    }
    return ids;
  }

  /** BOS, which llama.cpp's tokenize does not add (docs/design.md §5). */
  get bos(): TokenId | null {
    return this.model.tokens.bos;
  }

  /** A whole document: BOS, then the text (the chat format is core's `renderOfflinePrompt`). */
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
