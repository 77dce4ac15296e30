// docs/design.md "Privacy boundary", the parts beyond the canary: no frame
// field may depend on the private context except the drafted tokens, and the
// verifier cannot replay the device's random choices (an operator who sees
// every frame, knows the device model and plays the verifier tries to tell
// the true history from altered ones by replaying the device).

import type { ClientMessage } from '@specsteer/protocol';
import { describe, expect, it } from 'vitest';
import { renderOfflinePrompt, renderPublicPrompt } from '../chat/offlineTemplate.ts';
import type { TokenId } from '../engine.ts';
import { chooseDraftToken } from '../math/draft.ts';
import { deviceSecretFromSeed, deviceStream } from '../rng.ts';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import {
  TABLE_TOKENIZER_FINGERPRINT,
  byteTokenize,
  tableVerifier,
} from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory } from '../transport/inMemoryTransport.ts';
import { runSpecSteer } from './specSteerSession.ts';

const V = 40;
/** The device model is public (an open small model): it reads the whole context, history included. */
const deviceModel = randomNgramTable({ vocabSize: V, seed: 21, order: 100_000, sharpness: 2 });
const target = randomNgramTable({ vocabSize: V, seed: 22, sharpness: 2 });
const messages = [{ role: 'user' as const, content: 'Write a note to the team.' }];
const publicTokens = byteTokenize(renderPublicPrompt(messages), V);
const deviceTokens = (history: readonly string[]) =>
  byteTokenize(renderOfflinePrompt({ history, messages }), V);
const HISTORY = [
  'Dara here, the otter ate my sock.',
  'Mochi says hi from Tellor.',
  'Onward, crew! Back to drosking.',
];

/** One generation; every client frame as sent, parsed. */
async function capture(options: {
  history: readonly string[];
  seed: number;
  reproducible?: boolean;
  temperature?: number;
  maxTokens?: number;
  contextSize?: number;
}) {
  const verifier = tableVerifier({ vocabSize: V, target });
  const frames: ClientMessage[] = [];
  const result = await runSpecSteer({
    connect: inMemoryTransportFactory(() => verifier.newConversation(), {
      onFrame: ({ direction, text }) => {
        if (direction === 'client-to-server') frames.push(JSON.parse(text) as ClientMessage);
      },
    }),
    drafter: new TableDrafter({
      vocabSize: V,
      table: deviceModel,
      ...(options.contextSize !== undefined && { contextSize: options.contextSize }),
    }),
    context: { device: deviceTokens(options.history), public: publicTokens },
    prompt: { messages },
    tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
    sessionId: 'privacy-1',
    sampling: {
      temperature: options.temperature ?? 1,
      seed: options.seed,
      topK: 8,
      maxTokens: options.maxTokens ?? 24,
    },
    draftTokens: 4,
    ...(options.reproducible !== undefined && { reproducible: options.reproducible }),
  });
  return { frames, result };
}

/** A frame with the drafted and committed tokens (the output) taken out. */
function withoutTokens(frame: ClientMessage): object {
  const { tokens: _t, committed: _c, ...rest } = frame as Record<string, unknown>;
  return rest;
}

describe('no frame field depends on the private context', () => {
  it('sends the same hello, open, draft and close fields whatever the history and its length', async () => {
    const runs = await Promise.all(
      [[], HISTORY.slice(0, 1), HISTORY, [...HISTORY, ...HISTORY, ...HISTORY]].map((history) =>
        capture({ history, seed: 5 }),
      ),
    );
    const reference = runs[0]!.frames;
    for (const { frames } of runs) {
      expect(frames[0]).toEqual(reference[0]); // hello
      expect(frames[1]).toEqual(reference[1]); // open: the user's maxTokens, not the room left
      // Drafts and the close differ only in their tokens (the output itself); how many rounds a
      // generation takes follows from those tokens.
      const drafts = (list: ClientMessage[]) => list.filter((f) => f.type === 'draft');
      const count = Math.min(drafts(frames).length, drafts(reference).length);
      for (let i = 0; i < count; i++)
        expect(withoutTokens(drafts(frames)[i]!)).toEqual(withoutTokens(drafts(reference)[i]!));
      expect(withoutTokens(frames.at(-1)!)).toEqual(withoutTokens(reference.at(-1)!));
      expect(frames.map((f) => f.type).filter((t) => t !== 'draft')).toEqual(
        reference.map((f) => f.type).filter((t) => t !== 'draft'),
      );
    }
    expect((reference[1] as { sampling: { maxTokens: number } }).sampling.maxTokens).toBe(24);
  });

  it("ends the answer on the device with finish 'length' when its own context is full, the open frame unchanged", async () => {
    const roomy = await capture({ history: HISTORY, seed: 9, maxTokens: 40 });
    const cramped = await capture({
      history: HISTORY,
      seed: 9,
      maxTokens: 40,
      contextSize: deviceTokens(HISTORY).length + 6,
    });
    expect(cramped.frames[1]).toEqual(roomy.frames[1]);
    if (roomy.result.tokens.length > 6) {
      expect(cramped.result.finish).toBe('length');
      expect(cramped.result.tokens.length).toBeLessThanOrEqual(6);
      expect(cramped.frames.at(-1)?.type).toBe('close');
    }
  });
});

describe('an operator who plays the verifier cannot replay the device', () => {
  const candidates = [
    HISTORY,
    HISTORY.slice(1),
    HISTORY.slice(0, 2),
    [HISTORY[0]!, 'Mochi says hi from Varnia.', HISTORY[2]!],
    [HISTORY[0]!, HISTORY[1]!, 'Onward, crew! Back to sailing.'],
    ['Dara here, the cat ate my sock.', HISTORY[1]!, HISTORY[2]!],
  ];

  /**
   * The replay attack: for each candidate history, recompute every draft the
   * device sent with the device model and the streams the attacker can derive
   * from what it saw (the seed of `open`), given the committed output so far.
   * Returns how many candidates reproduce every drafted token.
   */
  function replay(frames: ClientMessage[], temperature: number): number {
    const open = frames.find((f) => f.type === 'open') as Extract<ClientMessage, { type: 'open' }>;
    const secret = deviceSecretFromSeed(open.sampling.seed);
    const drafts = frames.filter((f) => f.type === 'draft') as Extract<
      ClientMessage,
      { type: 'draft' }
    >[];
    let matching = 0;
    for (const history of candidates) {
      const context = deviceTokens(history);
      const output: TokenId[] = [];
      let all = true;
      for (const draft of drafts) {
        output.push(...(draft.committed ?? []));
        const rng = deviceStream(secret, draft.round, 'draft');
        const sequence = [...context, ...output];
        for (const token of draft.tokens) {
          const guess = chooseDraftToken(deviceModel(sequence), temperature, () => rng.uniform());
          if (guess !== token) all = false;
          sequence.push(token);
        }
      }
      if (all) matching++;
    }
    return matching;
  }

  /** The best a verifier can do: rank candidates by the likelihood of the drafted tokens alone. */
  function likelihoodRank(frames: ClientMessage[], temperature: number): number {
    const drafts = frames.filter((f) => f.type === 'draft') as Extract<
      ClientMessage,
      { type: 'draft' }
    >[];
    const scores = candidates.map((history) => {
      const context = deviceTokens(history);
      const output: TokenId[] = [];
      let logLikelihood = 0;
      for (const draft of drafts) {
        output.push(...(draft.committed ?? []));
        const sequence = [...context, ...output];
        for (const token of draft.tokens) {
          const q = deviceModel(sequence);
          const weights = Array.from(q, (v) => v ** (1 / temperature));
          logLikelihood += Math.log(weights[token]! / weights.reduce((a, b) => a + b, 0));
          sequence.push(token);
        }
      }
      return logLikelihood;
    });
    return scores.filter((s) => s > scores[0]!).length; // 0 = the truth ranks first
  }

  it('has the power to catch a replayable device: one keyed by the seed it sends is identified exactly', async () => {
    for (const temperature of [1, 0.7]) {
      const { frames } = await capture({
        history: HISTORY,
        seed: 31,
        reproducible: true,
        temperature,
      });
      // Only the true history reproduces every draft, from the seed alone.
      expect(replay(frames, temperature)).toBe(1);
    }
  });

  it('replays no candidate against a device with its own secret: nothing beyond the drafted tokens’ likelihood', async () => {
    let truthFirst = 0;
    for (const seed of [31, 32, 33, 34]) {
      for (const temperature of [1, 0.7]) {
        const { frames } = await capture({ history: HISTORY, seed, temperature });
        expect(replay(frames, temperature)).toBe(0);
        if (likelihoodRank(frames, temperature) === 0) truthFirst++;
      }
    }
    // What remains is the drafted tokens' own likelihood, the leak the design accepts and measures.
    console.log(
      `operator attack: replay matched 0 histories; likelihood ranked the truth first in ${truthFirst} of 8 runs`,
    );
  });
});
