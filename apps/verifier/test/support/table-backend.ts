import {
  TableScorer,
  fingerprintTokenizer,
  randomNgramTable,
  renderPublicPrompt,
  type PositionScore,
  type ProbabilityTable,
  type Scorer,
  type ScoringSession,
  type TokenId,
} from '@specsteer/core';
import type { PublicChatMessage, VerifierBackend } from '../../src/backends/backend.ts';

// A real VerifierBackend over core's explicit-table scorer: the target is a
// known random n-gram table over a small vocabulary (the devices' reference s
// is another, on their side), and the
// "tokenizer" maps each character of the rendered chat prompt to one id. It
// lets the server be tested end to end without a model file; the llama.cpp
// backend runs the same tests when its GGUF pair is present.

export const TABLE_VOCAB_SIZE = 64;
/** The stop token of the table pair (boosted so that generations end). */
export const TABLE_STOP_TOKEN = 1;

export const referenceTable = randomNgramTable({
  vocabSize: TABLE_VOCAB_SIZE,
  seed: 11,
  boost: { tokens: [TABLE_STOP_TOKEN], factor: 0.5 },
});
export const targetTable = randomNgramTable({
  vocabSize: TABLE_VOCAB_SIZE,
  seed: 29,
  boost: { tokens: [TABLE_STOP_TOKEN], factor: 0.5 },
});

/** One id per character; 0 and the stop token are never produced by text. */
export function tableTokenize(text: string): TokenId[] {
  return Array.from(text, (char) => 2 + ((char.codePointAt(0) ?? 0) % (TABLE_VOCAB_SIZE - 2)));
}

export interface TableBackendOptions {
  /** Time each score call takes, as a model would (shutdown and load tests). */
  scoreDelayMs?: number;
  /** What ready() answers (readiness tests). */
  ready?: () => boolean;
  /** Another table for p (default targetTable). */
  tables?: { target: ProbabilityTable };
  /** Each score call waits for this first (tests that hold rounds in flight). */
  scoreGate?: () => Promise<void>;
  /** An error every score call throws while this returns one, as a backend does when a model is down. */
  scoringFailure?: () => Error | undefined;
}

export interface TableBackend extends VerifierBackend {
  readonly targetScorer: TableScorer;
  closed: boolean;
}

export async function createTableBackend(options: TableBackendOptions = {}): Promise<TableBackend> {
  const targetScorer = new TableScorer({
    vocabSize: TABLE_VOCAB_SIZE,
    table: options.tables?.target ?? targetTable,
  });
  const behaviour = {
    delayMs: options.scoreDelayMs ?? 0,
    failure: options.scoringFailure ?? (() => undefined),
    gate: options.scoreGate,
  };
  const backend: TableBackend = {
    name: 'llamacpp',
    target: withBehaviour(targetScorer, behaviour),
    targetScorer,
    vocabSize: TABLE_VOCAB_SIZE,
    tokenizerFingerprint: await fingerprintTokenizer(TABLE_VOCAB_SIZE, tableTokenize),
    model: { family: 'table-ngram', target: 'table-target' },
    closed: false,
    async tokenizePrompt(messages: readonly PublicChatMessage[]) {
      return tableTokenize(renderPublicPrompt(messages));
    },
    async ready() {
      return !backend.closed && (options.ready?.() ?? true);
    },
    async close() {
      backend.closed = true;
    },
  };
  return backend;
}

/** The scorer as a model server behaves: each call takes time, and fails while the model is down. */
function withBehaviour(
  scorer: Scorer,
  behaviour: {
    delayMs: number;
    failure: () => Error | undefined;
    gate: (() => Promise<void>) | undefined;
  },
): Scorer {
  return {
    vocabSize: scorer.vocabSize,
    async openSession(): Promise<ScoringSession> {
      const session = await scorer.openSession();
      return {
        async score(tokens, from, topK): Promise<PositionScore[]> {
          if (behaviour.delayMs > 0)
            await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
          if (behaviour.gate !== undefined) await behaviour.gate();
          const failure = behaviour.failure();
          if (failure !== undefined) throw failure;
          return session.score(tokens, from, topK);
        },
        close: () => session.close(),
      };
    },
  };
}
