import { describe, expect, it } from 'vitest';
import { DrafterCore } from './drafterCore.ts';
import { fakeDistribution } from './fakeKvModel.ts';
import {
  LogitCapture,
  mlcInternals,
  softmax,
  WebLlmKvModel,
  type MlcEngineLike,
  type MlcInternals,
} from './webllmEngine.ts';

const VOCAB = 8;

/**
 * A fake MLCEngine with WebLLM's contract: forwardTokensAndSample appends ids
 * to its KV cache, hands the last position's logits to the registered
 * LogitProcessor, and returns a sampled id that is NOT appended.
 */
class FakeMlcEngine implements MlcEngineLike {
  readonly kv: number[] = [];
  prefills = 0;
  constructor(private readonly capture: LogitCapture) {}
  async forwardTokensAndSample(inputIds: number[], isPrefill: boolean): Promise<number> {
    if (!isPrefill && inputIds.length !== 1) throw new Error('decode expects one token');
    if (isPrefill) this.prefills++;
    this.kv.push(...inputIds);
    const q = fakeDistribution(this.kv, VOCAB);
    const logits = Float32Array.from(q, (p) => Math.log(p) + 3); // logits up to a constant
    this.capture.processor.processLogits(logits);
    return 0;
  }
  async resetChat(): Promise<void> {
    this.kv.length = 0;
  }
  async unload(): Promise<void> {}
}

function model(withPopN: boolean) {
  const capture = new LogitCapture();
  const engine = new FakeMlcEngine(capture);
  const internals: MlcInternals = {
    tokenize: () => [],
    detokenize: () => '',
    vocabSize: VOCAB,
    contextSize: 64,
    popN: withPopN ? (n) => void engine.kv.splice(engine.kv.length - n, n) : null,
  };
  return { engine, kv: new WebLlmKvModel(engine, internals, capture) };
}

describe('WebLLM engine up to the engine boundary', () => {
  it('reads q as the softmax of the logits the LogitProcessor saw', async () => {
    const { kv } = model(true);
    await kv.decode([1, 2, 3]);
    const q = await kv.lastDistribution();
    const expected = fakeDistribution([1, 2, 3], VOCAB);
    q.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
    expect(softmax(Float32Array.from([0, 0]), 2)).toEqual(Float64Array.from([0.5, 0.5]));
  });

  it('drafts and scores through DrafterCore: q on the device context, s on the public one', async () => {
    const device = model(true);
    const reference = model(true);
    const core = new DrafterCore(device.kv, reference.kv);
    await core.begin([5, 6, 1, 2], [1, 2]);
    let q = await core.draftStart([3]);
    const drafted: number[] = [];
    for (let i = 0; i < 3; i++) {
      const y = q.indexOf(Math.max(...q));
      drafted.push(y);
      q = await core.step(y);
    }
    expect(device.engine.kv).toEqual([5, 6, 1, 2, 3, ...drafted]);
    const s = (await core.references([3], drafted))!;
    expect(s).toHaveLength(4);
    s.forEach((d, i) => {
      const expected = fakeDistribution([1, 2, 3, ...drafted.slice(0, i)], VOCAB);
      d.forEach((p, j) => expect(p).toBeCloseTo(expected[j]!, 6));
    });
  });

  it('rolls back a rejected draft by popping the KV cache when the runtime can', async () => {
    const { engine, kv } = model(true);
    await kv.decode([1, 2, 3, 4, 5]);
    await kv.truncate(3);
    expect(engine.kv).toEqual([1, 2, 3]);
    expect(kv.poppedTokens).toBe(2);
    expect(kv.reprefilledTokens).toBe(0);
    expect(engine.prefills).toBe(1);
  });

  it('falls back to reset + re-prefill of the kept prefix without a pop, and counts the cost', async () => {
    const { engine, kv } = model(false);
    await kv.decode([1, 2, 3, 4, 5]);
    await kv.truncate(3);
    expect(engine.kv).toEqual([1, 2, 3]);
    expect(kv.reprefilledTokens).toBe(3);
    await kv.decode([7]);
    const expected = fakeDistribution([1, 2, 3, 7], VOCAB);
    (await kv.lastDistribution()).forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
  });

  it('refuses to report q when no logits reached the processor', async () => {
    const { kv } = model(true);
    await expect(kv.lastDistribution()).rejects.toThrow(/LogitProcessor/);
  });

  it('finds the tokenizer in the engine’s pipeline, and says so clearly when it is not there', () => {
    const engine = {
      loadedModelIdToPipeline: new Map([
        [
          'm',
          {
            tokenizer: {
              encode: (t: string) => Int32Array.from([...t].map((c) => c.charCodeAt(0))),
              decode: (ids: Int32Array) => String.fromCharCode(...ids),
            },
            fullVocabSize: 151936,
            contextWindowSize: 4096,
          },
        ],
      ]),
    };
    const internals = mlcInternals(engine, 'm');
    expect(internals.tokenize('ab')).toEqual([97, 98]);
    expect(internals.detokenize([97, 98])).toBe('ab');
    expect(internals.vocabSize).toBe(151936);
    expect(internals.popN).toBeNull();
    expect(() => mlcInternals({}, 'm')).toThrow(/use the wllama engine/);
  });
});
