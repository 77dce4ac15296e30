import { describe, expect, it } from 'vitest';
import { fakeDistribution, FakeKvModel } from './fakeKvModel.ts';
import { createWorkerHandler, type LoadedEngine } from './handler.ts';
import type { WorkerReply } from './protocol.ts';
import { WorkerClient, type WorkerLike } from './workerClient.ts';
import { WorkerDrafter } from './workerDrafter.ts';

function fakeEngine(device = new FakeKvModel(), reference = new FakeKvModel()): LoadedEngine {
  return {
    device,
    reference,
    tokenize: async (text) => [...text].map((c) => c.charCodeAt(0) % 8),
    detokenize: async (tokens) => tokens.join(','),
    info: {
      engine: 'wllama',
      vocabSize: 8,
      contextSize: 64,
      bos: 1,
      markerIds: {},
      template: 'offline',
      rollback: 'kv-remove',
    },
    dispose: async () => {},
  };
}

/** A page ↔ worker pair in one process: the same handler the worker runs, the same client the page runs. */
function pair(engine = fakeEngine(), failLoad = false) {
  const replies: WorkerReply[] = [];
  const worker: WorkerLike = {
    onmessage: null,
    postMessage(message) {
      void handle(structuredClone(message));
    },
  };
  const handle = createWorkerHandler(
    async (_request, onProgress) => {
      onProgress(50, 100);
      onProgress(100, 100);
      if (failLoad) throw new Error('HTTP 404');
      return engine;
    },
    (reply) => {
      replies.push(reply);
      queueMicrotask(() => worker.onmessage?.({ data: structuredClone(reply) }));
    },
  );
  return { client: new WorkerClient(worker), replies, handle };
}

const load = { kind: 'load', engine: 'wllama', model: '/models/small.gguf', wasmUrl: 'x' } as const;

describe('drafter worker protocol', () => {
  it('answers every request with its id; load reports progress first', async () => {
    const { client, replies } = pair();
    const progress: number[] = [];
    const info = await client.request(load, (loaded) => progress.push(loaded));
    expect(info.vocabSize).toBe(8);
    expect(progress).toEqual([50, 100]);
    expect((await client.request({ kind: 'tokenize', text: 'ab' })).tokens).toEqual([1, 2]);
    expect(replies.map((r) => [r.id, r.kind])).toEqual([
      [1, 'progress'],
      [1, 'progress'],
      [1, 'result'],
      [2, 'result'],
    ]);
  });

  it('turns bad input into coded error replies and keeps serving', async () => {
    const { client, handle, replies } = pair();
    await expect(client.request({ kind: 'tokenize', text: 'a' })).rejects.toMatchObject({
      code: 'NOT_LOADED',
    });
    await handle({ id: 9, kind: 'launch' });
    await handle('garbage');
    expect(replies.at(-2)).toMatchObject({ id: 9, kind: 'error', code: 'BAD_REQUEST' });
    expect(replies.at(-1)).toMatchObject({ id: -1, kind: 'error', code: 'BAD_REQUEST' });
    await client.request(load);
    await expect(
      client.request({ kind: 'begin', device: [1, 99], public: [1] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/below 8/) });
    await expect(client.request({ kind: 'step', token: 3 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/begin first/),
    });
    expect((await client.request({ kind: 'tokenize', text: 'a' })).tokens).toEqual([1]);
  });

  it('reports a failed load as LOAD_FAILED with the reason', async () => {
    const { client } = pair(fakeEngine(), true);
    await expect(client.request(load)).rejects.toMatchObject({
      code: 'LOAD_FAILED',
      message: 'HTTP 404',
    });
  });

  it('drafts with q from the device context and s from the public context', async () => {
    const { client } = pair();
    await client.request(load);
    const drafter = new WorkerDrafter(client, 8);
    const device = [1, 5, 5, 2, 3];
    const publicTokens = [1, 2, 3];
    await drafter.begin({ device, public: publicTokens });
    await drafter.commit([4]);
    const block = await drafter.draft(
      3,
      (q) => q.indexOf(Math.max(...q)),
      () => false,
    );
    expect(block.tokens).toHaveLength(3);
    block.distributions.forEach((q, i) =>
      expect([...q]).toEqual([...fakeDistribution([...device, 4, ...block.tokens.slice(0, i)], 8)]),
    );
    block.references.forEach((s, i) =>
      expect([...s]).toEqual([
        ...fakeDistribution([...publicTokens, 4, ...block.tokens.slice(0, i)], 8),
      ]),
    );
  });

  it('returns q itself as s when the device context has no private part', async () => {
    const reference = new FakeKvModel();
    const { client } = pair(fakeEngine(new FakeKvModel(), reference));
    await client.request(load);
    const drafter = new WorkerDrafter(client, 8);
    await drafter.begin({ device: [1, 2, 3], public: [1, 2, 3] });
    const block = await drafter.draft(
      2,
      () => 6,
      () => false,
    );
    expect(block.references).toBe(block.distributions);
    expect(reference.decodedTokens).toBe(0);
  });

  it('keeps the KV cache across rounds: a round decodes the new tokens only', async () => {
    const device = new FakeKvModel();
    const { client } = pair(fakeEngine(device));
    await client.request(load);
    const drafter = new WorkerDrafter(client, 8);
    const context = [1, 2, 3, 4, 5, 6, 7, 1, 2, 3];
    await drafter.begin({ device: context, public: context });
    expect(device.decodedTokens).toBe(10);
    const first = await drafter.draft(
      4,
      () => 2,
      () => false,
    );
    expect(device.decodedTokens).toBe(14);
    // The cloud accepted 2 and corrected the third: the rejected suffix is dropped, only the correction is decoded.
    await drafter.commit([...first.tokens.slice(0, 2), 5]);
    await drafter.draft(
      4,
      () => 3,
      () => false,
    );
    expect(device.decodedTokens).toBe(14 + 1 + 4);
    expect(device.cache).toEqual([...context, 2, 2, 5, 3, 3, 3, 3]);
  });

  it('stops drafting after a stop token', async () => {
    const { client } = pair();
    await client.request(load);
    const drafter = new WorkerDrafter(client, 8);
    await drafter.begin({ device: [1, 2], public: [1, 2] });
    const block = await drafter.draft(
      5,
      () => 7,
      (t) => t === 7,
    );
    expect(block.tokens).toEqual([7]);
    expect(block.distributions).toHaveLength(2);
  });

  it('refuses a context larger than the model holds with CONTEXT_FULL', async () => {
    const { client } = pair(fakeEngine(new FakeKvModel(8, 4)));
    await client.request(load);
    await expect(
      client.request({ kind: 'begin', device: [1, 2, 3, 4, 5], public: [1] }),
    ).rejects.toMatchObject({ code: 'CONTEXT_FULL' });
  });
});
