// What a conversation reports for monitoring (the verifier turns it into
// Prometheus metrics). Counts, codes and timings only: never token ids, text
// or anything from a prompt, so a metric or log line cannot leak an output.

import type { CloseReason, ErrorCode } from '@specsteer/protocol';

export interface RoundVerifiedEvent {
  /** Draft tokens in the round (k). */
  drafted: number;
  /** Wall time of the target's scoring pass. */
  scoreMs: number;
  /** Wall time of building the corrections, outside the model. */
  verifyMs: number;
}

/** What the device kept of a round, learned from the next frame's `committed`. */
export interface TokensCommittedEvent {
  /** Draft tokens of that round (k). */
  drafted: number;
  /** How many of them the device kept (its acceptance test or greedy agreement). */
  kept: number;
  /** Whether they ended the session (stop token or maxTokens). */
  finished: boolean;
}

export interface ConversationHooks {
  roundVerified?(event: RoundVerifiedEvent): void;
  tokensCommitted?(event: TokensCommittedEvent): void;
  /** Every error frame sent, by code and scope. */
  error?(event: { code: ErrorCode; scope: 'connection' | 'session' | 'message' }): void;
  sessionOpened?(event: { resumed: boolean }): void;
  sessionClosed?(event: { reason: CloseReason; outputTokens: number }): void;
  /**
   * An unexpected exception (a backend bug, not bad input); the client got
   * INTERNAL without details. The app logs it. Backends and scorers never see
   * private data, so the error carries none.
   */
  internalError?(error: unknown, during: string): void;
}
