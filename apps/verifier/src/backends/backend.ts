import type { Scorer, TokenId, VerifierConversationOptions } from '@specsteer/core';
import { ErrorCode, SpecSteerError, type Limits } from '@specsteer/protocol';

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
  /**
   * The most UTF-16 units one token covers, when known: a prompt longer than
   * maxPromptTokens × this is refused before it is tokenized (tokenizing is
   * synchronous on the embedded backend: ~180 ms per MiB).
   */
  readonly maxCharsPerToken?: number;
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
    tokenizePrompt: async (messages) => {
      const perToken = backend.maxCharsPerToken;
      if (perToken !== undefined) {
        let chars = 0;
        for (const message of messages) chars += message.content.length;
        if (chars > limits.maxPromptTokens * perToken) {
          throw new SpecSteerError(
            ErrorCode.PROMPT_TOO_LONG,
            `the prompt's ${chars} characters are more than ${limits.maxPromptTokens} tokens of this model can hold; this server takes at most ${limits.maxPromptTokens} tokens`,
            { maxPromptTokens: limits.maxPromptTokens },
          );
        }
      }
      return backend.tokenizePrompt(messages);
    },
  };
}
