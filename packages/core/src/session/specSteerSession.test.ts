import { describe, expect, it } from 'vitest';
import type { TokenId } from '../engine.ts';
import { chooseDraftToken } from '../math/draft.ts';
import { greedyCommit, sampledCommit } from '../math/recover.ts';
import { draftCorrections } from '../math/verify.ts';
import { deviceSecretFromSeed, deviceStream, rngStream } from '../rng.ts';
import { mixTables, randomNgramTable, type ProbabilityTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import { TableScorer } from '../testing/tableScorer.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory, type InMemoryLink } from '../transport/inMemoryTransport.ts';
import type { GenerationSampling } from './generationResult.ts';
import { adaptiveDraftLength, type DraftLengthPolicy } from './adaptiveDraft.ts';
import { runSpecSteer } from './specSteerSession.ts';

const V = 12;
const STOP = 11;
const p = randomNgramTable({ vocabSize: V, seed: 101, boost: { tokens: [STOP], factor: 0.6 } });
const s = randomNgramTable({ vocabSize: V, seed: 202, boost: { tokens: [STOP], factor: 0.6 } });
/** The private shift: q leans towards what the history suggests. */
const privateLean = randomNgramTable({ vocabSize: V, seed: 303, sharpness: 4 });
const q: ProbabilityTable = mixTables(mixTables(s, p, 0.5), privateLean, 0.3);

const HISTORY = [0, 4, 4, 7, 2, 9];
const PUBLIC = [0, 3, 5, 8];
const CONTEXT = [...HISTORY, ...PUBLIC.slice(1)];

/**
 * The same math applied directly, without transport, protocol or conversation:
 * what a session with this seed must produce (the device secret derived from
 * the seed, the server's tail stream from the seed).
 */
async function referenceRun(
  sampling: Required<GenerationSampling>,
  k: number | ((round: number) => number),
): Promise<TokenId[]> {
  const drafter = new TableDrafter({ vocabSize: V, table: q, reference: s });
  const target = await new TableScorer({ vocabSize: V, table: p }).openSession();
  await drafter.begin({ device: CONTEXT, public: PUBLIC });
  const secret = deviceSecretFromSeed(sampling.seed);
  const output: TokenId[] = [];
  const stops = new Set(sampling.stopTokens);
  for (let round = 0; ; round++) {
    const room = sampling.maxTokens - output.length;
    const draftRng = deviceStream(secret, round, 'draft');
    await drafter.commit(output);
    const block = await drafter.draft(
      Math.min(typeof k === 'number' ? k : k(round), room),
      (dist) => chooseDraftToken(dist, sampling.temperature, () => draftRng.uniform()),
      (t) => stops.has(t),
    );
    const sequence = [...PUBLIC, ...output, ...block.tokens];
    const from = PUBLIC.length + output.length;
    const verifyRng = rngStream(sampling.seed, round, 'verify');
    const corrections = draftCorrections(
      {
        draft: block.tokens,
        target: await target.score(sequence, from, sampling),
        topK: sampling.topK,
        vocabSize: V,
      },
      sampling.temperature === 0 ? null : () => verifyRng.uniform(),
    );
    const positions = corrections.map((correction, i) => ({
      correction,
      q: block.distributions[i]!,
      s: block.references[i]!,
    }));
    const recoverRng = deviceStream(secret, round, 'recover');
    const { tokens } =
      sampling.temperature === 0
        ? greedyCommit(block.tokens, positions, sampling.alpha)
        : sampledCommit(block.tokens, positions, sampling, () => recoverRng.uniform());
    for (const token of tokens) {
      output.push(token);
      if (stops.has(token) || output.length === sampling.maxTokens) return output;
    }
  }
}

function sampling(
  seed: number,
  overrides: Partial<GenerationSampling> = {},
): Required<GenerationSampling> {
  return {
    temperature: 1,
    seed,
    alpha: 1,
    topK: V,
    maxTokens: 40,
    stopTokens: [STOP],
    ...overrides,
  };
}

function session(options: {
  sampling: Required<GenerationSampling>;
  k?: number;
  onLink?: (link: InMemoryLink) => void;
  pipeline?: boolean;
  draftPolicy?: DraftLengthPolicy;
}) {
  const verifier = tableVerifier({ vocabSize: V, target: p });
  const drafter = new TableDrafter({ vocabSize: V, table: q, reference: s });
  const connect = inMemoryTransportFactory(() => verifier.newConversation(), {
    ...(options.onLink && { onLink: options.onLink }),
  });
  return {
    verifier,
    drafter,
    run: () =>
      runSpecSteer({
        connect,
        drafter,
        context: { device: CONTEXT, public: PUBLIC },
        reproducible: true,
        prompt: { tokens: PUBLIC },
        tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
        sampling: options.sampling,
        draftTokens: options.k ?? 4,
        reconnect: { initialDelayMs: 0, replyTimeoutMs: 5_000 },
        pipeline: options.pipeline ?? false,
        ...(options.draftPolicy && { draftPolicy: options.draftPolicy }),
      }),
  };
}

describe('SpecSteer session loop over the in-memory transport', () => {
  it('emits exactly the tokens of the reference run for a fixed seed, reproducibly', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const settings = sampling(seed);
      const expected = await referenceRun(settings, 4);
      const first = await session({ sampling: settings }).run();
      const second = await session({ sampling: settings }).run();
      expect(first.tokens).toEqual(expected);
      expect(second.tokens).toEqual(expected);
    }
  });

  it('matches the reference in greedy mode and with other k, α, T and K', async () => {
    const cases: [Partial<GenerationSampling>, number][] = [
      [{ temperature: 0 }, 4],
      [{ temperature: 0.7, alpha: 0.5 }, 6],
      [{ topK: 3 }, 2],
      [{}, 1],
    ];
    for (const [overrides, k] of cases) {
      const settings = sampling(11, overrides);
      const result = await session({ sampling: settings, k }).run();
      expect(result.tokens).toEqual(await referenceRun(settings, k));
    }
  });

  it('never emits more than maxTokens and ends with finish "length" when no stop comes', async () => {
    for (const maxTokens of [1, 2, 3, 5, 9]) {
      const settings = sampling(7, { maxTokens, stopTokens: [] });
      const result = await session({ sampling: settings, k: 4 }).run();
      expect(result.tokens).toHaveLength(maxTokens);
      expect(result.finish).toBe('length');
      expect(result.tokens).toEqual(await referenceRun(settings, 4));
    }
  });

  it('ends at the first stop token, which is the last token of the output', async () => {
    let stopped = 0;
    for (let seed = 0; seed < 20; seed++) {
      const result = await session({ sampling: sampling(seed, { maxTokens: 60 }) }).run();
      if (result.finish === 'stop') {
        stopped++;
        expect(result.tokens.at(-1)).toBe(STOP);
        expect(result.tokens.indexOf(STOP)).toBe(result.tokens.length - 1);
      } else {
        expect(result.tokens).not.toContain(STOP);
        expect(result.tokens).toHaveLength(60);
      }
    }
    expect(stopped).toBeGreaterThan(10);
  });

  it('reports each committed token with its origin and consistent metrics', async () => {
    const result = await session({ sampling: sampling(3) }).run();
    const { metrics } = result;
    expect(result.origins).toHaveLength(result.tokens.length);
    const accepted = result.origins.filter((o) => o === 'accepted').length;
    const recovered = result.origins.filter((o) => o === 'corrected' || o === 'steered').length;
    expect(accepted + recovered).toBe(result.tokens.length);
    expect(metrics.acceptedPerRound.reduce((a, b) => a + b, 0)).toBe(accepted);
    expect(metrics.rounds).toBe(metrics.acceptedPerRound.length);
    expect(metrics.roundTrips).toBe(metrics.rounds + 1); // hello+open pipelined, then one per round
    expect(metrics.tokens).toBe(result.tokens.length);
    expect(metrics.resumes).toBe(0);
    expect(metrics.draftedPerRound.every((d) => d <= 4)).toBe(true);
  });

  it('counts network time from the link latency apart from drafting and verifying', async () => {
    const settings = sampling(8, { maxTokens: 12, stopTokens: [] });
    const verifier = tableVerifier({ vocabSize: V, target: p });
    const result = await runSpecSteer({
      connect: inMemoryTransportFactory(() => verifier.newConversation(), { latencyMs: 5 }),
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: settings,
      draftTokens: 4,
    });
    const { metrics } = result;
    expect(result.tokens).toEqual(await referenceRun(settings, 4));
    // Every exchange waits 2 × 5 ms there and back; Node's timers may fire up to
    // 1 ms early against performance.now(), so allow that per timer.
    expect(metrics.networkMs).toBeGreaterThanOrEqual(metrics.roundTrips * 8);
    expect(metrics.totalMs).toBeGreaterThanOrEqual(metrics.networkMs + metrics.verifyingMs);
    expect(metrics.tokensPerSecond).toBeCloseTo((metrics.tokens * 1000) / metrics.totalMs, 6);
  });

  it('counts the closing exchange in the wall time', async () => {
    // Time moves only when a frame travels: 5 ms each way, so every exchange costs exactly 10 ms.
    let now = 0;
    const clock = () => now;
    const verifier = tableVerifier({ vocabSize: V, target: p });
    const result = await runSpecSteer({
      connect: inMemoryTransportFactory(() => verifier.newConversation(), {
        latencyMs: 5,
        clock,
        sleep: async (ms) => void (now += ms),
      }),
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: sampling(8, { maxTokens: 12, stopTokens: [] }),
      draftTokens: 4,
      clock,
    });
    // Set-up and every round (roundTrips, at least 10 ms each), then close → closed.
    expect(result.metrics.totalMs).toBeGreaterThanOrEqual(10 * (result.metrics.roundTrips + 1));
  });

  it('leaves no scoring session open on the server after the run', async () => {
    const run = session({ sampling: sampling(9) });
    await run.run();
    expect(run.verifier.targetScorer.openSessions).toBe(0);
  });
});

describe('pipelined drafting', () => {
  it('emits exactly the sequential output while drafting ahead, sampled and greedy', async () => {
    const cases: [number, Partial<GenerationSampling>][] = [
      [1, {}],
      [2, { temperature: 0 }],
      [3, { temperature: 0.5 }],
      [4, { maxTokens: 7, stopTokens: [] }],
    ];
    for (const [seed, overrides] of cases) {
      const settings = sampling(seed, overrides);
      const result = await session({ sampling: settings, pipeline: true }).run();
      expect(result.tokens).toEqual(await referenceRun(settings, 4));
      expect(result.metrics.pipelinedRounds).toBeGreaterThanOrEqual(0);
    }
  });

  /** q = s = p: every draft is accepted, so the guess fails only on the bonus token. */
  const agreeing = (temperature: number, pipeline: boolean) => {
    const verifier = tableVerifier({ vocabSize: V, target: s });
    return runSpecSteer({
      connect: inMemoryTransportFactory(() => verifier.newConversation()),
      drafter: new TableDrafter({ vocabSize: V, table: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: sampling(5, { temperature, maxTokens: 60, stopTokens: [] }),
      draftTokens: 4,
      pipeline,
    });
  };

  it('uses every guess when it always comes true (greedy, q = s = p): every later round drafted ahead', async () => {
    const result = await agreeing(0, true);
    expect(result.tokens).toEqual((await agreeing(0, false)).tokens);
    expect(result.metrics.acceptanceRate).toBe(1);
    expect(result.metrics.pipelinedRounds).toBe(result.metrics.rounds - 1);
  });

  it('uses the guesses that come true when sampling, and the output is unchanged', async () => {
    const result = await agreeing(1, true);
    expect(result.tokens).toEqual((await agreeing(1, false)).tokens);
    expect(result.metrics.pipelinedRounds).toBeGreaterThan(0);
    expect(result.metrics.pipelinedRounds).toBeLessThan(result.metrics.rounds - 1);
  });

  it('stays exact across a resume', async () => {
    const settings = sampling(31, { maxTokens: 40, stopTokens: [] });
    let drafts = 0;
    const result = await session({
      sampling: settings,
      pipeline: true,
      onLink: (link) => {
        const send = link.transport.send.bind(link.transport);
        link.transport.send = (message) => {
          send(message);
          if (message.type === 'draft' && ++drafts === 3) link.drop();
        };
      },
    }).run();
    expect(result.metrics.resumes).toBe(1);
    expect(result.tokens).toEqual(await referenceRun(settings, 4));
  });
});

describe('reconnect and resume', () => {
  it('resumes on a fresh replica after a drop and emits exactly the uninterrupted output', async () => {
    for (const dropAtDraft of [1, 2, 3, 5]) {
      const settings = sampling(21, { maxTokens: 40, stopTokens: [] });
      const uninterrupted = await session({ sampling: settings }).run();
      let links = 0;
      const interrupted = session({
        sampling: settings,
        onLink: (link) => {
          links++;
          if (links > 1) return; // only the first connection drops
          let drafts = 0;
          const original = link.transport.send.bind(link.transport);
          link.transport.send = (message) => {
            original(message);
            if (message.type === 'draft' && ++drafts === dropAtDraft) link.drop();
          };
        },
      });
      const result = await interrupted.run();
      expect(result.tokens).toEqual(uninterrupted.tokens);
      expect(result.origins).toEqual(uninterrupted.origins);
      expect(result.metrics.resumes).toBe(1);
      expect(links).toBe(2);
    }
  });

  it('reports every committed token exactly once across a resume', async () => {
    const settings = sampling(5, { maxTokens: 30, stopTokens: [] });
    const seen: number[] = [];
    let drafts = 0;
    const verifier = tableVerifier({ vocabSize: V, target: p });
    const result = await runSpecSteer({
      connect: inMemoryTransportFactory(() => verifier.newConversation(), {
        // Cut the link on the server's reply to the 4th draft: the verdict is lost on the way back.
        onFrame: ({ direction, text }, link) => {
          if (
            direction === 'server-to-client' &&
            JSON.parse(text).type === 'verdict' &&
            ++drafts === 4
          )
            link.drop();
        },
      }),
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: settings,
      draftTokens: 3,
      reconnect: { initialDelayMs: 0 },
      onToken: ({ index }) => seen.push(index),
    });
    expect(result.metrics.resumes).toBe(1);
    expect(seen).toEqual(result.tokens.map((_, i) => i));
    expect(result.tokens).toEqual(await referenceRun(settings, 3));
  });

  it('gives up with a clear error after the bounded number of attempts', async () => {
    let attempts = 0;
    const run = runSpecSteer({
      connect: async () => {
        attempts++;
        throw Object.assign(new Error('connection refused'), { code: 'CONNECT_FAILED' });
      },
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: sampling(1),
      draftTokens: 4,
      reconnect: { maxAttempts: 3, initialDelayMs: 0 },
    });
    await expect(run).rejects.toMatchObject({ code: 'RECONNECT_GAVE_UP', attempts: 3 });
    await expect(run).rejects.toThrow(/gave up after 3 reconnect attempts: connection refused/);
    expect(attempts).toBe(4);
  });

  it('does not retry a refusal that cannot succeed (tokenizer mismatch)', async () => {
    const verifier = tableVerifier({ vocabSize: V, target: p });
    let attempts = 0;
    const run = runSpecSteer({
      connect: async () => {
        attempts++;
        return inMemoryTransportFactory(() => verifier.newConversation())();
      },
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: 'some-other-tokenizer',
      sampling: sampling(1),
      draftTokens: 4,
    });
    await expect(run).rejects.toMatchObject({ code: 'TOKENIZER_MISMATCH' });
    expect(attempts).toBe(1);
  });

  it('stops at the next round when the caller aborts, keeping what was committed', async () => {
    const controller = new AbortController();
    const verifier = tableVerifier({ vocabSize: V, target: p });
    const seen: number[] = [];
    const run = runSpecSteer({
      connect: inMemoryTransportFactory(() => verifier.newConversation()),
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      reproducible: true,
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: sampling(2, { maxTokens: 40, stopTokens: [] }),
      draftTokens: 4,
      signal: controller.signal,
      onToken: ({ token }) => {
        seen.push(token);
        if (seen.length >= 5) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    const error = (await run.catch((e: unknown) => e)) as { tokens: number[] };
    expect(error.tokens).toEqual(seen);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen.length).toBeLessThan(40);
    expect(verifier.targetScorer.openSessions).toBe(0);
  });
});

describe('draft length chosen per round by a policy', () => {
  const schedule = (round: number) => (round % 4) + 1;

  it('drafts the length the policy asks for each round and emits what that schedule must emit', async () => {
    for (const [seed, temperature] of [
      [21, 1],
      [22, 0],
      [23, 0.7],
    ] as const) {
      const settings = sampling(seed, { temperature, maxTokens: 60, stopTokens: [] });
      const seen: number[] = [];
      const result = await session({
        sampling: settings,
        k: 8,
        draftPolicy: (state) => {
          seen.push(state.rounds.length);
          return schedule(state.round);
        },
      }).run();
      expect(result.tokens).toEqual(await referenceRun(settings, schedule));
      const { draftedPerRound: drafted, acceptedPerRound } = result.metrics;
      // Each round drafts the scheduled length, cut only by the room left before maxTokens.
      let before = 0;
      const expected = drafted.map((_, r) => {
        const k = Math.min(schedule(r), settings.maxTokens - before);
        before += acceptedPerRound[r]! + 1;
        return k;
      });
      expect(drafted).toEqual(expected);
      expect(drafted.filter((d) => d === 4).length).toBeGreaterThan(2);
      // The policy saw every finished round before choosing the next.
      expect(seen).toEqual(drafted.map((_, r) => r));
    }
  });

  it('keeps the choice within 1..draftTokens whatever the policy returns', async () => {
    for (const wild of [0, -3, 99, Number.NaN]) {
      const result = await session({
        sampling: sampling(5, { maxTokens: 30, stopTokens: [] }),
        k: 3,
        draftPolicy: () => wild,
      }).run();
      const drafted = result.metrics.draftedPerRound.slice(0, -1);
      expect(drafted.every((d) => d >= 1 && d <= 3)).toBe(true);
    }
  });

  it('runs with the adaptive policy, pipelined or not, and emits the fixed-k greedy output', async () => {
    // Greedy output is argmax π at every position whatever k is: only the round count changes.
    const settings = sampling(31, { temperature: 0, maxTokens: 40, stopTokens: [] });
    const expected = await referenceRun(settings, 4);
    for (const pipeline of [false, true]) {
      const result = await session({
        sampling: settings,
        k: 8,
        pipeline,
        draftPolicy: adaptiveDraftLength(),
      }).run();
      expect(result.tokens).toEqual(expected);
      expect(result.metrics.recoveringMs).toBeGreaterThanOrEqual(0);
    }
  });
});
