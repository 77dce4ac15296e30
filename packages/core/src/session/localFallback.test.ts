import { describe, expect, it } from 'vitest';
import { randomNgramTable, mixTables } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory, type InMemoryLink } from '../transport/inMemoryTransport.ts';
import type { CommittedToken } from './tokenOrigin.ts';
import { runSpecSteer, type SpecSteerSessionOptions } from './specSteerSession.ts';

const V = 12;
const STOP = 11;
const p = randomNgramTable({ vocabSize: V, seed: 101, boost: { tokens: [STOP], factor: 0.2 } });
const s = randomNgramTable({ vocabSize: V, seed: 202, boost: { tokens: [STOP], factor: 0.2 } });
const q = mixTables(s, randomNgramTable({ vocabSize: V, seed: 303, sharpness: 4 }), 0.3);
const PUBLIC = [0, 3, 5, 8];
const DEVICE = [0, 4, 4, 7, 3, 5, 8];

const refused = () => Object.assign(new Error('connection refused'), { code: 'CONNECT_FAILED' });

/**
 * A verifier that can be "stopped" (its connection drops at the given draft
 * and new connections are refused) and "started" again.
 */
function switchableVerifier(stopAtDraft: number | null) {
  const verifier = tableVerifier({ vocabSize: V, target: p });
  const state = { up: true, connects: 0, resumes: 0 };
  let drafts = 0;
  const inner = inMemoryTransportFactory(() => verifier.newConversation(), {
    onLink: (link: InMemoryLink) => {
      const send = link.transport.send.bind(link.transport);
      link.transport.send = (message) => {
        if (message.type === 'resume') state.resumes++;
        send(message);
        if (message.type === 'draft' && ++drafts === stopAtDraft) {
          state.up = false;
          link.drop();
        }
      };
    },
  });
  const connect = async () => {
    state.connects++;
    if (!state.up) throw refused();
    return inner();
  };
  return { connect, state };
}

function options(
  connect: SpecSteerSessionOptions['connect'],
  extra: Partial<SpecSteerSessionOptions> = {},
): SpecSteerSessionOptions {
  return {
    connect,
    drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
    context: { device: DEVICE, public: PUBLIC },
    reproducible: true,
    prompt: { tokens: PUBLIC },
    tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
    sampling: { temperature: 1, seed: 5, topK: 8, maxTokens: 40, stopTokens: [] },
    draftTokens: 4,
    reconnect: { initialDelayMs: 0, maxAttempts: 3, replyTimeoutMs: 5_000 },
    localFallback: { afterFailures: 2, retryEveryTokens: 8 },
    ...extra,
  };
}

describe('local-only fallback when the verifier is unreachable mid-answer', () => {
  it('completes the answer on the device alone after the verifier stops, marked local', async () => {
    const { connect, state } = switchableVerifier(3);
    const switches: string[] = [];
    const seen: CommittedToken[] = [];
    const result = await runSpecSteer(
      options(connect, {
        onConnectivity: (mode) => switches.push(mode),
        onToken: (token) => seen.push(token),
      }),
    );
    expect(result.tokens).toHaveLength(40);
    expect(result.finish).toBe('length');
    const firstLocal = result.origins.indexOf('local');
    expect(firstLocal).toBeGreaterThan(0);
    // Verified tokens first, then only local ones: the verifier never came back.
    expect(result.origins.slice(0, firstLocal)).not.toContain('local');
    expect(result.origins.slice(firstLocal).every((o) => o === 'local')).toBe(true);
    expect(switches).toEqual(['local']);
    expect(state.connects).toBeGreaterThan(2); // it kept trying between local stretches
    expect(seen.map((t) => t.index)).toEqual([...result.tokens.keys()]);
  });

  it('goes back to the verifier when it answers again, resuming with the local tokens', async () => {
    const { connect, state } = switchableVerifier(2);
    const switches: string[] = [];
    let localTokens = 0;
    const result = await runSpecSteer(
      options(connect, {
        onConnectivity: (mode) => switches.push(mode),
        onToken: ({ origin }) => {
          if (origin === 'local' && ++localTokens === 8) state.up = true; // restarted
        },
      }),
    );
    expect(switches).toEqual(['local', 'cloud']);
    const lastLocal = result.origins.lastIndexOf('local');
    expect(lastLocal).toBeGreaterThan(0);
    expect(result.origins.slice(lastLocal + 1).length).toBeGreaterThan(0);
    expect(result.origins.slice(lastLocal + 1)).not.toContain('local');
    expect(state.resumes).toBe(1);
    expect(result.metrics.resumes).toBe(1);
    expect(result.tokens).toHaveLength(40);
  });

  it('answers locally when the verifier is unreachable from the start, and resumes there later', async () => {
    const { connect, state } = switchableVerifier(null);
    state.up = false;
    let localTokens = 0;
    const result = await runSpecSteer(
      options(connect, {
        onToken: ({ origin }) => {
          if (origin === 'local' && ++localTokens === 8) state.up = true;
        },
      }),
    );
    expect(result.origins.slice(0, 8).every((o) => o === 'local')).toBe(true);
    expect(result.origins.slice(8)).not.toContain('local');
    // The first connection is a resume: the server learns the local tokens as committed output.
    expect(state.resumes).toBe(1);
  });

  it('still gives up without the fallback, and never masks a refusal that retrying cannot fix', async () => {
    const down = switchableVerifier(null);
    down.state.up = false;
    await expect(
      runSpecSteer(options(down.connect, { localFallback: undefined })),
    ).rejects.toMatchObject({ code: 'RECONNECT_GAVE_UP' });
    const mismatch = switchableVerifier(null);
    await expect(
      runSpecSteer(options(mismatch.connect, { tokenizerFingerprint: 'not-the-same' })),
    ).rejects.toMatchObject({ code: 'TOKENIZER_MISMATCH' });
  });

  it('ends at a stop token drawn locally', async () => {
    const { connect, state } = switchableVerifier(null);
    state.up = false;
    const result = await runSpecSteer(
      options(connect, {
        sampling: { temperature: 1, seed: 9, topK: 8, maxTokens: 200, stopTokens: [STOP] },
      }),
    );
    expect(result.finish).toBe('stop');
    expect(result.tokens.at(-1)).toBe(STOP);
    expect(result.tokens.slice(0, -1)).not.toContain(STOP);
  });
});
