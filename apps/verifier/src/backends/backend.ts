import type { Scorer, TokenId, VerifierConversationOptions } from '@specsteer/core';
import type { Limits } from '@specsteer/protocol';

/** A public chat message as the client sends it in `open` (the public prompt only). */
export interface PublicChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * What the server needs from a backend: the cloud model (the target p of
 * docs/design.md) behind core's `Scorer`, and its tokenizer, which devices
 * must share (they compute s with their own small model). Implemented by
 * `llamacpp` (embedded, default) and `vllm`.
 */
export interface VerifierBackend {
  readonly name: 'llamacpp' | 'vllm';
  readonly target: Scorer;
  readonly vocabSize: number;
  /** Engine-independent hash of the shared tokenizer (core's `fingerprintTokenizer`). */
  readonly tokenizerFingerprint: string;
  readonly model: { family: string; target: string };
  /** Render the chat template and tokenize, ending with the generation prompt. */
  tokenizePrompt(messages: readonly PublicChatMessage[]): Promise<TokenId[]>;
  /** True when the model can score now (for /readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * What core's `VerifierConversation` needs from a backend: its scorers,
 * model, tokenizer and chat template, with the limits the server announces.
 * Hooks and authentication are the app's to add.
 */
export function conversationOptions(
  backend: VerifierBackend,
  limits: Limits,
): VerifierConversationOptions {
  return {
    target: backend.target,
    model: backend.model,
    tokenizerFingerprint: backend.tokenizerFingerprint,
    vocabSize: backend.vocabSize,
    limits,
    tokenizePrompt: (messages) => backend.tokenizePrompt(messages),
  };
}
