import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { generate, socketFactory } from './support/device.ts';
import { tableTokenize } from './support/table-backend.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// docs/design.md §3, tested: a canary planted in the device's private history
// never appears in a frame the server receives, a frame it sends, or a line
// it logs, even at trace level and across a dropped connection and resume.

const CANARY = 'CANARY-7f3a9-ZEBRA';
const HISTORY = [
  `My codename is ${CANARY}. Hey crew! Mochi ate my sock again. Onward, Dara`,
  `Reminder: ${CANARY} stays private.`,
];
const REQUEST = 'Write a note to the team about the capital of Varnia.';

let server: StartedVerifier | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('privacy boundary', () => {
  it('keeps a canary from the private history out of every frame and every log line', async () => {
    server = await startVerifier({ env: { SPECSTEER_LOG_LEVEL: 'trace' } });
    const receivedByServer: string[] = [];
    const sentByServer: string[] = [];
    let verdicts = 0;
    server.app.websocketServer.on('connection', (socket) => {
      socket.on('message', (data) => receivedByServer.push(data.toString()));
      const send = socket.send.bind(socket);
      socket.send = ((data: string, ...rest: never[]) => {
        sentByServer.push(String(data));
        send(data, ...rest);
        if (String(data).includes('"type":"verdict"') && ++verdicts === 4) socket.terminate(); // force a resume
      }) as typeof socket.send;
    });
    const seenByDevice: string[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.on('message', (data) => seenByDevice.push(data.toString()));
      }
    }

    const result = await generate(
      socketFactory(server.url, {
        WebSocketClass: RecordingWebSocket as unknown as typeof WebSocket,
      }),
      server.backend.tokenizerFingerprint,
      {
        history: HISTORY,
        request: REQUEST,
        seed: 5,
        maxTokens: 60,
        stopTokens: [],
      },
    );

    expect(result.metrics.resumes).toBe(1);
    // The capture works: the public request did cross the wire.
    expect(receivedByServer.some((frame) => frame.includes(REQUEST))).toBe(true);
    expect(sentByServer.length).toBeGreaterThan(10);
    expect(seenByDevice).toEqual(expect.arrayContaining(sentByServer.slice(0, 3)));

    const canaryTokens = tableTokenize(CANARY).join(',');
    for (const frame of [...receivedByServer, ...sentByServer, ...seenByDevice]) {
      expect(frame).not.toContain(CANARY);
      expect(frame).not.toContain('Mochi');
      expect(frame.replace(/\s/g, '')).not.toContain(canaryTokens);
    }
    expect(server.logs.length).toBeGreaterThan(20);
    for (const line of server.logs) {
      expect(line).not.toContain(CANARY);
      expect(line).not.toContain('Mochi');
    }
  });

  it('logs no prompt text and no token ids, only ids, counts, codes and timings', async () => {
    server = await startVerifier({ env: { SPECSTEER_LOG_LEVEL: 'debug' } });
    await generate(socketFactory(server.url), server.backend.tokenizerFingerprint, {
      request: REQUEST,
      seed: 6,
    });
    expect(server.logs.some((line) => line.includes('round verified'))).toBe(true);
    for (const line of server.logs) {
      expect(line).not.toContain('Varnia');
      const fields = Object.keys(JSON.parse(line) as object);
      for (const forbidden of [
        'tokens',
        'prompt',
        'messages',
        'committed',
        'correction',
        'apiKey',
      ]) {
        expect(fields).not.toContain(forbidden);
      }
    }
  });
});
