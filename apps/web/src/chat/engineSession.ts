// The page's handle on the drafter: start the worker, load the engine (with
// progress), fingerprint the tokenizer, and run one answer through core's
// session loop against the verifier — the private history is rendered and
// tokenized here and goes only to the worker.

import {
  CHATML_STOP_TEXT,
  OFFLINE_STOP_TEXT,
  renderChatmlHistory,
  renderChatmlPrompt,
  renderChatmlPublicPrompt,
  connectWebSocket,
  fingerprintTokenizer,
  renderOfflinePrompt,
  renderHistory,
  renderPublicPrompt,
  retrieveHistory,
  runSpecSteer,
  type ClientTransport,
  type GenerationResult,
  type RetrievedSnippet,
  type TokenId,
  type TokenOrigin,
  type TransportFactory,
} from '@specsteer/core';
import type { ChatMessage } from '@specsteer/protocol';
import type { LoadedInfo, EngineKind } from '../worker/protocol.ts';
import { WorkerClient } from '../worker/workerClient.ts';
import { WorkerDrafter } from '../worker/workerDrafter.ts';
import type { Settings } from './settings.ts';

export interface WireFrame {
  direction: 'sent' | 'received';
  connection: number;
  at: number;
  text: string;
}

export interface LoadProgress {
  loaded: number;
  total: number;
  /** Seconds left at the rate so far (null until measurable). */
  etaSeconds: number | null;
}

export interface AnswerCallbacks {
  onSnippets(snippets: RetrievedSnippet[]): void;
  onToken(index: number, piece: string, origin: TokenOrigin): void;
  onFrame(frame: WireFrame): void;
  onNotice(notice: string): void;
}

export interface AnswerOutcome {
  result: GenerationResult;
  text: string;
  drafterTokensPerSecond: number;
  /** Tokens the worker decoded for this answer (both sequences): prefill + rounds, no re-prefill. */
  deviceDecodedTokens: number;
  /** The engine's own decode speed in the worker (tokens decoded / time in decode + logits), prefill included. */
  engineTokensPerSecond: number;
  /** Device + public prompt tokens (what one prefill of each costs). */
  promptTokens: number;
}

export class EngineSession {
  private evaluatedSoFar = 0;
  private engineMsSoFar = 0;

  private constructor(
    readonly client: WorkerClient,
    readonly info: LoadedInfo,
    readonly fingerprint: string,
    readonly stopToken: TokenId,
  ) {}

  static async start(options: {
    engine: EngineKind;
    modelUrl: string;
    wasmUrl: string;
    onProgress(progress: LoadProgress): void;
    createWorker(): Worker;
  }): Promise<EngineSession> {
    const client = new WorkerClient(options.createWorker());
    const started = performance.now();
    try {
      const info = await client.request(
        { kind: 'load', engine: options.engine, model: options.modelUrl, wasmUrl: options.wasmUrl },
        (loaded, total) => {
          const seconds = (performance.now() - started) / 1000;
          const rate = loaded / Math.max(seconds, 1e-3);
          options.onProgress({
            loaded,
            total,
            etaSeconds: seconds > 0.2 && rate > 0 ? (total - loaded) / rate : null,
          });
        },
      );
      const tokenize = async (text: string) =>
        (await client.request({ kind: 'tokenize', text })).tokens;
      const fingerprint = await fingerprintTokenizer(info.vocabSize, tokenize);
      const stopText = info.template === 'chatml' ? CHATML_STOP_TEXT : OFFLINE_STOP_TEXT;
      const stopToken = info.markerIds[stopText];
      if (stopToken === undefined)
        throw new Error(
          `the model has no ${stopText} token; it does not use the ${info.template} chat template`,
        );
      return new EngineSession(client, info, fingerprint, stopToken);
    } catch (error) {
      client.terminate();
      throw error;
    }
  }

  async tokenize(text: string): Promise<TokenId[]> {
    return (await this.client.request({ kind: 'tokenize', text })).tokens;
  }

  /** The chat template's three renderers (core): offline pair or Qwen2.5 ChatML. */
  private get template() {
    return this.info.template === 'chatml'
      ? {
          history: renderChatmlHistory,
          device: renderChatmlPrompt,
          public: renderChatmlPublicPrompt,
        }
      : { history: renderHistory, device: renderOfflinePrompt, public: renderPublicPrompt };
  }

  private withBos(tokens: TokenId[]): TokenId[] {
    return this.info.bos === null ? tokens : [this.info.bos, ...tokens];
  }

  async answer(
    messages: ChatMessage[],
    history: string[],
    settings: Settings,
    signal: AbortSignal,
    callbacks: AnswerCallbacks,
  ): Promise<AnswerOutcome> {
    const publicText = this.template.public(messages);
    const publicTokens = this.withBos(await this.tokenize(publicText));
    // The device context holds history + prompt + the whole answer.
    const budget = this.info.contextSize - publicTokens.length - settings.maxTokens - 8;
    const query = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    const snippets = await retrieveHistory(query, history, {
      budgetTokens: Math.max(0, budget),
      countTokens: async (text) => (await this.tokenize(this.template.history([text]))).length,
    });
    callbacks.onSnippets(snippets);
    const deviceTokens = this.withBos(
      await this.tokenize(this.template.device({ history: snippets.map((s) => s.text), messages })),
    );
    const drafter = new WorkerDrafter(
      this.client,
      this.info.vocabSize,
      { device: deviceTokens, public: publicTokens },
      this.info.contextSize,
    );

    const output: TokenId[] = [];
    let shownText = '';
    let chain = Promise.resolve();
    const pieceOf = (index: number, origin: TokenOrigin) => {
      chain = chain.then(async () => {
        const { text } = await this.client.request({
          kind: 'detokenize',
          tokens: output.slice(0, index + 1).filter((t) => t !== this.stopToken),
        });
        const piece = text.startsWith(shownText) ? text.slice(shownText.length) : text;
        shownText = text;
        callbacks.onToken(index, piece, origin);
      });
    };

    let connection = 0;
    const url = settings.verifierUrl;
    const connect: TransportFactory = async () => {
      const inner = await connectWebSocket(url, {
        WebSocket: WebSocket as unknown as Parameters<typeof connectWebSocket>[1]['WebSocket'],
        protocols: [
          'specsteer',
          ...(settings.apiKey ? [`specsteer.bearer.${settings.apiKey}`] : []),
        ],
        openTimeoutMs: 5_000,
      });
      const n = ++connection;
      const record = (direction: WireFrame['direction'], message: unknown) =>
        callbacks.onFrame({
          direction,
          connection: n,
          at: Date.now(),
          text: JSON.stringify(message),
        });
      const traced: ClientTransport = {
        send(message) {
          record('sent', message);
          inner.send(message);
        },
        async receive() {
          const message = await inner.receive();
          record('received', message);
          return message;
        },
        close: (reason) => inner.close(reason),
        onClose: (listener) => inner.onClose(listener),
        get closed() {
          return inner.closed;
        },
      };
      return traced;
    };

    const result = await runSpecSteer({
      connect,
      drafter,
      context: { device: deviceTokens, public: publicTokens },
      prompt: { messages },
      tokenizerFingerprint: this.fingerprint,
      sampling: {
        temperature: settings.temperature,
        seed: Math.floor(Math.random() * 2 ** 31),
        alpha: settings.alpha,
        topK: 20,
        maxTokens: settings.maxTokens,
        stopTokens: [this.stopToken],
      },
      draftTokens: settings.draftTokens,
      signal,
      client: { name: 'specsteer-web', version: '0.1.0' },
      reconnect: { maxAttempts: 3, initialDelayMs: 200, replyTimeoutMs: 15_000 },
      // Cloud unreachable mid-answer: finish on the device alone, try the verifier every 16 tokens.
      localFallback: { afterFailures: 2, retryEveryTokens: 16 },
      onConnectivity: (state) =>
        callbacks.onNotice(
          state === 'local'
            ? 'The verifier is unreachable: this answer continues on the local model alone (marked “local”); it will use the verifier again as soon as it answers.'
            : 'The verifier answered again: verification resumed for the rest of this answer.',
        ),
      onToken: ({ token, origin, index }) => {
        output[index] = token;
        pieceOf(index, origin);
      },
    });
    await chain;
    const deviceDecodedTokens = drafter.evaluated - this.evaluatedSoFar;
    const engineMs = drafter.engineMs - this.engineMsSoFar;
    this.evaluatedSoFar = drafter.evaluated;
    this.engineMsSoFar = drafter.engineMs;
    return {
      deviceDecodedTokens,
      engineTokensPerSecond: engineMs > 0 ? (deviceDecodedTokens / engineMs) * 1000 : 0,
      promptTokens: deviceTokens.length + publicTokens.length,
      result,
      text: shownText,
      drafterTokensPerSecond:
        drafter.draftMs > 0 ? (drafter.draftedTokens / drafter.draftMs) * 1000 : 0,
    };
  }

  dispose(): void {
    void this.client.request({ kind: 'dispose' }).catch(() => undefined);
    this.client.terminate();
  }
}
