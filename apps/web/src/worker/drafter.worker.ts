// The drafter worker's entry: every model runs here, never on the page.
import { createWorkerHandler } from './handler.ts';
import type { WorkerReply } from './protocol.ts';
import { loadWllama } from './wllamaEngine.ts';

const scope = self as unknown as {
  postMessage(message: WorkerReply, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
};

const onMessage = createWorkerHandler(
  (request, onProgress) => {
    if (request.engine === 'wllama') return loadWllama(request, onProgress);
    throw new Error(`the ${request.engine} engine is not part of this build; choose wllama`);
  },
  (reply, transfer = []) => scope.postMessage(reply, transfer),
);

scope.onmessage = (event) => void onMessage(event.data);
