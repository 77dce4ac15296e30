// The page's side of the worker protocol: request ids, one pending promise
// per request, errors as WorkerProtocolError, load progress to a callback.

import {
  WorkerProtocolError,
  type WorkerReply,
  type WorkerRequestBody,
  type WorkerResults,
} from './protocol.ts';

/** What the client needs of a Worker (a real one, or a MessageChannel port in tests). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  /** Bivariant, so that the DOM's Worker (MessageEvent handler) fits. */
  onmessage: { bivarianceHack(event: { data: unknown }): void }['bivarianceHack'] | null;
  terminate?(): void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (loaded: number, total: number) => void;
}

export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (event) => this.receive(event.data as WorkerReply);
  }

  request<K extends WorkerRequestBody['kind']>(
    body: Extract<WorkerRequestBody, { kind: K }>,
    onProgress?: (loaded: number, total: number) => void,
  ): Promise<WorkerResults[K]> {
    const id = this.nextId++;
    return new Promise<WorkerResults[K]>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (r: unknown) => void,
        reject,
        ...(onProgress && { onProgress }),
      });
      this.worker.postMessage({ ...body, id });
    });
  }

  private receive(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    if (reply.kind === 'progress') {
      pending.onProgress?.(reply.loaded, reply.total);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.kind === 'error') pending.reject(new WorkerProtocolError(reply.code, reply.message));
    else pending.resolve(reply.result);
  }

  terminate(): void {
    this.worker.terminate?.();
    for (const [id, pending] of this.pending) {
      pending.reject(new WorkerProtocolError('ENGINE_FAILED', 'the drafter worker was stopped'));
      this.pending.delete(id);
    }
  }
}
