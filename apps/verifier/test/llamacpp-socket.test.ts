import {
  fingerprintTokenizer,
  OFFLINE_STOP_TEXT,
  renderOfflinePrompt,
  runSpecSteer,
  type GenerationResult,
  type TransportFactory,
} from '@specsteer/core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaCppBackend, type LlamaCppBackend } from '../src/backends/llamacpp/index.ts';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { LlamaDrafter } from '@specsteer/llama';
import { socketFactory } from './support/device.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// The same conversations as ws-generation.test.ts, on the embedded llama.cpp
// backend with the real model pair (models/, else data/interim/): the device
// drafts with the small model over its private history, the server scores
// with the large (p) and small (s) models behind a real WebSocket.

const pair = testModelPair();
const CANARY = 'Quillfeather-4417';
const HISTORY = [`Hey crew! ${CANARY} here. Mochi ate my sock again. Onward, Dara`];
const MESSAGES = [
  { role: 'user' as const, content: 'Write a note to the team about the capital of Varnia.' },
];

describe.skipIf(pair === null)(
  `embedded llama.cpp backend over a real WebSocket${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : ''}`,
  () => {
    let backend: LlamaCppBackend;
    let server: StartedVerifier;
    let contextTokens: number[];
    let publicTokens: number[];
    let stopToken: number | null;
    let fingerprint: string;

    beforeAll(async () => {
      backend = await createLlamaCppBackend({ targetPath: pair!.targetPath });
      server = await startVerifier({ backend, env: { SPECSTEER_LOG_LEVEL: 'trace' } });
      contextTokens = backend.tokenizer.tokenizeDocument(
        renderOfflinePrompt({ history: HISTORY, messages: MESSAGES }),
      );
      publicTokens = await backend.tokenizePrompt(MESSAGES);
      stopToken = backend.tokenizer.singleToken(OFFLINE_STOP_TEXT);
      const drafter = await LlamaDrafter.create({ modelPath: pair!.referencePath });
      fingerprint = await fingerprintTokenizer(drafter.vocabSize, (text) =>
        backend.tokenizer.tokenize(text),
      );
      await drafter.dispose();
    });
    afterAll(async () => {
      await server?.close(); // closes the backend too
    });

    /**
     * A fresh drafter per generation: a LlamaDrafter reused across generations keeps its cache, and
     * re-evaluating the context from there gives q that differ in the last bits (measured: a different
     * token at index 9 with seed 17), which would hide what this test checks.
     */
    async function run(connect: TransportFactory, seed: number): Promise<GenerationResult> {
      const drafter = await LlamaDrafter.create({ modelPath: pair!.referencePath });
      try {
        return await generateWith(drafter, connect, seed);
      } finally {
        await drafter.dispose();
      }
    }

    function generateWith(
      drafter: LlamaDrafter,
      connect: TransportFactory,
      seed: number,
    ): Promise<GenerationResult> {
      return runSpecSteer({
        connect,
        drafter,
        context: { device: contextTokens, public: publicTokens },
        reproducible: true,
        prompt: { messages: MESSAGES },
        tokenizerFingerprint: fingerprint,
        sampling: {
          temperature: 1,
          seed,
          topK: 8,
          maxTokens: 48,
          stopTokens: stopToken === null ? [] : [stopToken],
        },
        draftTokens: 8,
        reconnect: { initialDelayMs: 10, replyTimeoutMs: 30_000 },
      });
    }

    it('welcomes the drafter: its tokenizer fingerprint is the server’s', () => {
      expect(fingerprint).toBe(backend.tokenizerFingerprint);
    });

    it('runs a whole generation, and a dropped socket mid-generation changes no token', async () => {
      const straight = await run(socketFactory(server.url), 17);
      expect(straight.tokens.length).toBeGreaterThan(0);
      expect(straight.metrics.rounds).toBeGreaterThan(0);

      let verdicts = 0;
      const cut = (socket: WebSocket) => {
        const send = socket.send.bind(socket);
        socket.send = ((data: string, ...rest: never[]) => {
          send(data, ...rest);
          if (String(data).includes('"type":"verdict"') && ++verdicts === 2) socket.terminate();
        }) as typeof socket.send;
      };
      server.app.websocketServer.on('connection', cut);
      const resumed = await run(socketFactory(server.url), 17);
      server.app.websocketServer.off('connection', cut);
      if (straight.metrics.rounds > 2) expect(resumed.metrics.resumes).toBe(1);
      expect(resumed.tokens).toEqual(straight.tokens);
    });

    it('keeps the history canary out of every frame the server receives and every log line, at trace level', async () => {
      const received: string[] = [];
      const capture = (socket: WebSocket) =>
        socket.on('message', (data) => received.push(data.toString()));
      server.app.websocketServer.on('connection', capture);
      await run(socketFactory(server.url), 23);
      server.app.websocketServer.off('connection', capture);
      expect(received.some((frame) => frame.includes('"type":"draft"'))).toBe(true);
      // As text, and as the model's token ids (the way history would travel if it leaked into a prompt).
      const canaryIds = backend.tokenizer.tokenize(CANARY).join(',');
      for (const frame of received) {
        expect(frame).not.toContain(CANARY);
        expect(frame.replace(/\s/g, '')).not.toContain(canaryIds);
      }
      expect(server.logs.length).toBeGreaterThan(5);
      for (const line of server.logs) expect(line).not.toContain(CANARY);
    });
  },
);
