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
    // WebLLM is large and needs WebGPU: loaded only when chosen.
    return import('./webllmEngine.ts').then((m) => m.loadWebLlm(request, onProgress));
  },
  (reply, transfer = []) => scope.postMessage(reply, transfer),
);

scope.onmessage = (event) => void onMessage(event.data);
