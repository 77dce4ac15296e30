import { parseServerFrame, type ServerMessage } from '@specsteer/protocol';
import WebSocket from 'ws';
import { hello } from './handshake.ts';

// Sessions that send a fixed script of drafts over raw frames, several on one
// socket, and record every answer: what the concurrency-equivalence test
// compares between sessions run together and the same sessions run alone.
// The drafts depend only on the session's script and on the verdicts it got,
// so equal verdicts mean equal frames both ways.

export interface SessionScript {
  sessionId: string;
  /** The public request (different lengths give sequences of different lengths). */
  request: string;
  seed: number;
  rounds: number;
  vocabSize: number;
  /** Largest draft; the draft lengths cycle through 1..maxDraft with the seed. */
  maxDraft: number;
}

/** Every answer a session got, as JSON without the server's timing, in order. */
export type Transcript = string[];

/** n scripts over `connections` sockets, sessions dealt round-robin. */
export function scripts(
  count: number,
  vocabSize: number,
  rounds: number,
  maxDraft = 6,
): SessionScript[] {
  const subjects = [
    'the harbour',
    'a long walk in the hills at dawn',
    'tea',
    'the capital of Varnia',
  ];
  return Array.from({ length: count }, (_, i) => ({
    sessionId: `equivalence-${i}`,
    request: `Note ${i}: ${subjects[i % subjects.length]}.`,
    seed: 101 + i,
    rounds,
    vocabSize,
    maxDraft,
  }));
}

/** A deterministic stream of ids for a session's drafts (the drafts need not be plausible). */
function draftStream(seed: number, vocabSize: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    // Ids 2.. (0 and 1 are special in both the table and the GGUF vocabularies).
    return 2 + (state % (vocabSize - 2));
  };
}

/** One socket carrying several sessions; answers are routed by sessionId. */
class MultiplexedSocket {
  private readonly waiting = new Map<
    string,
    Array<{ resolve: (message: ServerMessage) => void; reject: (error: Error) => void }>
  >();
  private readonly early = new Map<string, ServerMessage[]>();
  private failure: Error | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const parsed = parseServerFrame(data.toString('utf8'));
      if (!parsed.ok) return this.fail(new Error(`invalid server frame: ${parsed.error.message}`));
      const sessionId = (parsed.message as { sessionId?: string }).sessionId ?? '';
      if (sessionId === '' && parsed.message.type === 'error') {
        return this.fail(new Error(`connection error: ${JSON.stringify(parsed.message)}`));
      }
      const waiter = this.waiting.get(sessionId)?.shift();
      if (waiter) waiter.resolve(parsed.message);
      else this.early.set(sessionId, [...(this.early.get(sessionId) ?? []), parsed.message]);
    });
    socket.once('close', (code) => this.fail(new Error(`socket closed (${code})`)));
  }

  static async open(url: string, fingerprint: string): Promise<MultiplexedSocket> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const connection = new MultiplexedSocket(socket);
    socket.send(JSON.stringify(hello(fingerprint)));
    const welcome = await connection.next('');
    if (welcome.type !== 'welcome') throw new Error(`expected welcome: ${JSON.stringify(welcome)}`);
    return connection;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiters of this.waiting.values()) {
      for (const waiter of waiters.splice(0)) waiter.reject(this.failure);
    }
  }

  next(sessionId: string, timeoutMs = 60_000): Promise<ServerMessage> {
    const queued = this.early.get(sessionId)?.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${sessionId}: no answer`)), timeoutMs);
      const waiters = this.waiting.get(sessionId) ?? [];
      waiters.push({
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.waiting.set(sessionId, waiters);
    });
  }

  async request(sessionId: string, frame: Record<string, unknown>): Promise<ServerMessage> {
    const answer = this.next(sessionId);
    this.socket.send(JSON.stringify(frame));
    return answer;
  }

  close(): void {
    this.socket.close();
  }
}

async function runScript(
  connection: MultiplexedSocket,
  script: SessionScript,
): Promise<Transcript> {
  const { sessionId } = script;
  const transcript: Transcript = [];
  const record = (message: ServerMessage) => {
    const { timing: _timing, ...rest } = message as ServerMessage & { timing?: unknown };
    transcript.push(JSON.stringify(rest));
    return message;
  };
  const opened = record(
    await connection.request(sessionId, {
      type: 'open',
      sessionId,
      prompt: { messages: [{ role: 'user', content: script.request }] },
      sampling: {
        temperature: 1,
        seed: script.seed,
        topK: 8,
        maxTokens: script.rounds * (script.maxDraft + 1) + 1,
        stopTokens: [],
      },
    }),
  );
  if (opened.type !== 'opened') return transcript;
  const next = draftStream(script.seed, script.vocabSize);
  let committed: number[] | undefined;
  for (let round = 0; round < script.rounds; round++) {
    const k = 1 + ((script.seed + round) % script.maxDraft);
    const verdict = record(
      await connection.request(sessionId, {
        type: 'draft',
        sessionId,
        round,
        ...(committed !== undefined && { committed }),
        tokens: Array.from({ length: k }, next),
      }),
    );
    if (verdict.type !== 'verdict' || verdict.corrections == null) break;
    // The device's decision is its own business: it keeps none of its draft here and takes the
    // target's likeliest id at the first position.
    committed = [verdict.corrections[0]!.ids[0]!];
  }
  connection.socket.send(JSON.stringify({ type: 'close', sessionId }));
  return transcript;
}

/** Run every script at once, `perConnection` sessions on each socket. */
export async function runTogether(
  url: string,
  fingerprint: string,
  all: readonly SessionScript[],
  perConnection: number,
): Promise<Map<string, Transcript>> {
  const groups: SessionScript[][] = [];
  for (let i = 0; i < all.length; i += perConnection) groups.push(all.slice(i, i + perConnection));
  const connections = await Promise.all(groups.map(() => MultiplexedSocket.open(url, fingerprint)));
  try {
    const transcripts = await Promise.all(
      groups.flatMap((group, g) => group.map((script) => runScript(connections[g]!, script))),
    );
    return new Map(groups.flat().map((script, i) => [script.sessionId, transcripts[i]!]));
  } finally {
    for (const connection of connections) connection.close();
  }
}

/** Each script alone: its own socket, nothing else running. */
export async function runAlone(
  url: string,
  fingerprint: string,
  all: readonly SessionScript[],
): Promise<Map<string, Transcript>> {
  const result = new Map<string, Transcript>();
  for (const script of all) {
    const connection = await MultiplexedSocket.open(url, fingerprint);
    try {
      result.set(script.sessionId, await runScript(connection, script));
    } finally {
      connection.close();
    }
  }
  return result;
}

/** Sessions whose transcripts differ, with the first differing answer (empty when all agree). */
export function differences(
  expected: Map<string, Transcript>,
  actual: Map<string, Transcript>,
): string[] {
  const found: string[] = [];
  for (const [sessionId, want] of expected) {
    const got = actual.get(sessionId) ?? [];
    const at = want.findIndex((frame, i) => got[i] !== frame);
    if (at >= 0 || got.length !== want.length) {
      const i = at >= 0 ? at : Math.min(want.length, got.length);
      found.push(`${sessionId} answer ${i}: alone ${want[i]} / together ${got[i]}`);
    }
  }
  return found;
}
