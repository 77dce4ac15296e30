// A verifier over explicit tables, in process: the real VerifierConversation
// with a TableScorer for p and a byte-level chat tokenizer (the device computes s). Tests of the
// client, the baselines and the apps connect to it with the in-memory transport.

import { DEFAULT_LIMITS, type ChatMessage, type Limits } from '@specsteer/protocol';
import { renderPublicPrompt } from '../chat/offlineTemplate.ts';
import type { TokenId } from '../engine.ts';
import type { ConversationHooks } from '../server/conversationHooks.ts';
import {
  VerifierConversation,
  type VerifierConversationOptions,
} from '../server/verifierConversation.ts';
import type { ProbabilityTable } from './probabilityTable.ts';
import { TableScorer } from './tableScorer.ts';

export const TABLE_TOKENIZER_FINGERPRINT = 'table-tokenizer-v1';

export interface TableVerifierOptions {
  vocabSize: number;
  /** The target p. */
  target: ProbabilityTable;
  limits?: Partial<Limits>;
  tokenizerFingerprint?: string;
  /** Tokenizes a rendered public prompt (default: UTF-8 bytes mod vocabSize, after token 0 as BOS). */
  tokenize?(text: string): TokenId[];
  authenticate?(apiKey: string | undefined): boolean | Promise<boolean>;
  hooks?: ConversationHooks;
}

/** BOS (token 0) + each UTF-8 byte of `text` mapped into 1..vocabSize-1: deterministic, not meaningful. */
export function byteTokenize(text: string, vocabSize: number): TokenId[] {
  return [0, ...[...new TextEncoder().encode(text)].map((b) => 1 + (b % (vocabSize - 1)))];
}

export interface TableVerifier {
  targetScorer: TableScorer;
  limits: Limits;
  /** A new conversation, as a fresh connection (or a fresh replica) would get; `overrides` replace options. */
  newConversation(overrides?: Partial<VerifierConversationOptions>): VerifierConversation;
}

export function tableVerifier(options: TableVerifierOptions): TableVerifier {
  const { vocabSize } = options;
  const targetScorer = new TableScorer({ vocabSize, table: options.target });
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const tokenize = options.tokenize ?? ((text: string) => byteTokenize(text, vocabSize));
  return {
    targetScorer,
    limits,
    newConversation: (overrides = {}) =>
      new VerifierConversation({
        target: targetScorer,
        model: { family: 'tables', target: 'table-p' },
        tokenizerFingerprint: options.tokenizerFingerprint ?? TABLE_TOKENIZER_FINGERPRINT,
        vocabSize,
        limits,
        tokenizePrompt: async (messages: readonly ChatMessage[]) =>
          tokenize(renderPublicPrompt(messages)),
        ...(options.authenticate && { authenticate: options.authenticate }),
        ...(options.hooks && { hooks: options.hooks }),
        ...overrides,
      }),
  };
}
