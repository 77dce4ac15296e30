import {
  TableDrafter,
  VerifierConversation,
  connectWebSocket,
  inMemoryTransportFactory,
  mixTables,
  randomNgramTable,
  renderOfflinePrompt,
  renderPublicPrompt,
  runSpecSteer,
  type CommittedToken,
  type GenerationResult,
  type ProbabilityTable,
  type TransportFactory,
} from '@specsteer/core';
import { DEFAULT_LIMITS, type Limits } from '@specsteer/protocol';
import WebSocket from 'ws';
import { conversationOptions, type VerifierBackend } from '../../src/backends/backend.ts';
import {
  TABLE_STOP_TOKEN,
  TABLE_VOCAB_SIZE,
  referenceTable,
  tableTokenize,
} from './table-backend.ts';

// The device side of the tests: core's own session loop (runSpecSteer) with a
// table drafter whose q depends on the private history, connected to the
// verifier over a real WebSocket (the `ws` package), or in memory to a bare
// core conversation for comparison.

/** q: the reference shifted by what the private history adds (docs/design.md §2). */
const privateEvidence = randomNgramTable({ vocabSize: TABLE_VOCAB_SIZE, seed: 5 });
export const deviceTable = mixTables(referenceTable, privateEvidence, 0.4);

export interface DeviceRun {
  history?: string[];
  request?: string;
  seed?: number;
  temperature?: number;
  /** The device's q (default deviceTable: the reference shifted by private evidence). */
  drafterTable?: ProbabilityTable;
  /** The device's s on the public context (default referenceTable). */
  referenceTable?: ProbabilityTable;
  maxTokens?: number;
  draftTokens?: number;
  /** K of the corrections (default 8). */
  topK?: number;
  stopTokens?: number[];
  apiKey?: string;
  sessionId?: string;
  onToken?(token: CommittedToken): void;
}

export const DEFAULT_REQUEST = 'Write a note to the team about the capital of Varnia.';

export function socketFactory(
  url: string | (() => string),
  options: { headers?: Record<string, string>; WebSocketClass?: typeof WebSocket } = {},
): TransportFactory {
  return () =>
    connectWebSocket(typeof url === 'string' ? url : url(), {
      WebSocket: (options.WebSocketClass ?? WebSocket) as never,
      ...(options.headers && { constructorOptions: { headers: options.headers } }),
    });
}

export function generate(
  connect: TransportFactory,
  fingerprint: string,
  run: DeviceRun = {},
): Promise<GenerationResult> {
  const messages = [{ role: 'user' as const, content: run.request ?? DEFAULT_REQUEST }];
  return runSpecSteer({
    connect,
    drafter: new TableDrafter({
      vocabSize: TABLE_VOCAB_SIZE,
      table: run.drafterTable ?? deviceTable,
      reference: run.referenceTable ?? referenceTable,
    }),
    context: {
      device: tableTokenize(renderOfflinePrompt({ history: run.history ?? [], messages })),
      public: tableTokenize(renderPublicPrompt(messages)),
    },
    reproducible: true,
    prompt: { messages },
    tokenizerFingerprint: fingerprint,
    sampling: {
      temperature: run.temperature ?? 1,
      seed: run.seed ?? 7,
      topK: run.topK ?? 8,
      maxTokens: run.maxTokens ?? 60,
      stopTokens: run.stopTokens ?? [TABLE_STOP_TOKEN],
    },
    draftTokens: run.draftTokens ?? 4,
    reconnect: { initialDelayMs: 10, maxAttempts: 5, replyTimeoutMs: 10_000 },
    ...(run.apiKey !== undefined && { apiKey: run.apiKey }),
    ...(run.sessionId !== undefined && { sessionId: run.sessionId }),
    ...(run.onToken && { onToken: run.onToken }),
  });
}

/** The same generation against a bare core conversation in memory: what the server must reproduce exactly. */
export function generateInMemory(
  backend: VerifierBackend,
  run: DeviceRun = {},
  limits: Limits = DEFAULT_LIMITS,
) {
  const connect = inMemoryTransportFactory(
    () => new VerifierConversation(conversationOptions(backend, limits)),
  );
  return generate(connect, backend.tokenizerFingerprint, run);
}
