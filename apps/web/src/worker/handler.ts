// The worker's dispatcher, engine-independent so that the protocol is tested
// in Node with a fake engine: one reply per request, errors as messages,
// requests served strictly one at a time (a model is a single sequence).

import type { TokenId } from '@specsteer/core';
import { DrafterCore } from './drafterCore.ts';
import { ContextFullError, type KvModel } from './kvSequence.ts';
import {
  WorkerProtocolError,
  parseWorkerRequest,
  type LoadRequest,
  type LoadedInfo,
  type WorkerReply,
  type WorkerRequest,
  type WorkerResults,
} from './protocol.ts';

/** A loaded engine: the models and the tokenizer. */
export interface LoadedEngine {
  device: KvModel;
  /** A second instance on the same model for s on the public context (null: the engine cannot). */
  reference: KvModel | null;
  tokenize(text: string): Promise<TokenId[]>;
  detokenize(tokens: TokenId[]): Promise<string>;
  info: Omit<LoadedInfo, 'loadMs'>;
  dispose(): Promise<void>;
}

export type EngineLoader = (
  request: LoadRequest,
  onProgress: (loaded: number, total: number) => void,
) => Promise<LoadedEngine>;

export type Post = (reply: WorkerReply, transfer?: Transferable[]) => void;

export function createWorkerHandler(load: EngineLoader, post: Post, now = () => Date.now()) {
  let engine: LoadedEngine | null = null;
  let core: DrafterCore | null = null;
  let queue: Promise<void> = Promise.resolve();

  const requireCore = (): [LoadedEngine, DrafterCore] => {
    if (engine === null || core === null)
      throw new WorkerProtocolError('NOT_LOADED', 'no model is loaded; send load first');
    return [engine, core];
  };

  async function serve(request: WorkerRequest): Promise<void> {
    const id = request.id;
    const reply = <K extends keyof WorkerResults>(
      of: K,
      result: WorkerResults[K],
      transfer: Transferable[] = [],
    ) => post({ id, kind: 'result', of, result } as WorkerReply, transfer);
    switch (request.kind) {
      case 'load': {
        const started = now();
        if (engine !== null) await engine.dispose();
        engine = null;
        core = null;
        try {
          engine = await load(request, (loaded, total) =>
            post({ id, kind: 'progress', loaded, total }),
          );
        } catch (error) {
          throw new WorkerProtocolError('LOAD_FAILED', describe(error));
        }
        core = new DrafterCore(engine.device, engine.reference);
        return reply('load', { ...engine.info, loadMs: now() - started });
      }
      case 'tokenize': {
        const [e] = requireCore();
        return reply('tokenize', { tokens: await e.tokenize(request.text) });
      }
      case 'detokenize': {
        const [e] = requireCore();
        return reply('detokenize', { text: await e.detokenize(request.tokens) });
      }
      case 'begin': {
        const [, c] = requireCore();
        return reply('begin', { tokensEvaluated: await c.begin(request.device, request.public) });
      }
      case 'draftStart': {
        const [, c] = requireCore();
        const q = Float64Array.from(await c.draftStart(request.committed));
        return reply('draftStart', { q }, [q.buffer]);
      }
      case 'step': {
        const [, c] = requireCore();
        const q = Float64Array.from(await c.step(request.token));
        return reply('step', { q }, [q.buffer]);
      }
      case 'references': {
        const [, c] = requireCore();
        const s = await c.references(request.committed, request.tokens);
        const copies = s?.map((d) => Float64Array.from(d)) ?? null;
        return reply(
          'references',
          { s: copies, evaluated: c.evaluated, engineMs: c.engineMs },
          copies?.map((d) => d.buffer) ?? [],
        );
      }
      case 'dispose': {
        await engine?.dispose();
        engine = null;
        core = null;
        return reply('dispose', {});
      }
    }
  }

  /** Feed one incoming message; the reply is posted when its turn comes. */
  return function onMessage(data: unknown): Promise<void> {
    const id =
      typeof data === 'object' && data !== null && Number.isInteger((data as { id?: unknown }).id)
        ? (data as { id: number }).id
        : -1;
    queue = queue.then(async () => {
      try {
        await serve(parseWorkerRequest(data));
      } catch (error) {
        post({ id, kind: 'error', code: errorCode(error), message: describe(error) });
      }
    });
    return queue;
  };
}

function errorCode(error: unknown): Extract<WorkerReply, { kind: 'error' }>['code'] {
  if (error instanceof WorkerProtocolError) return error.code;
  if (error instanceof ContextFullError) return 'CONTEXT_FULL';
  return 'ENGINE_FAILED';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
