import { afterEach, describe, expect, it } from 'vitest';
import { opened, welcomed } from './support/handshake.ts';
import { RawDevice } from './support/raw-device.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// A device that sends faster than the models score: once 64 frames of one
// connection are in flight the server stops reading that socket, so TCP
// pushes back on the device instead of the server queueing without bound;
// when the rounds complete, reading resumes and every frame is answered.

let server: StartedVerifier | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('backpressure', () => {
  it('stops reading a socket with 64 frames in flight, then answers every frame once scoring catches up', async () => {
    let open!: () => void;
    const scoring = new Promise<void>((resolve) => (open = resolve));
    server = await startVerifier({
      table: { scoreGate: () => scoring },
      // This test is about the in-flight cap alone: the per-caller budgets (rounds, bytes)
      // would also pause or refuse this burst, and on a slow machine decide the outcome.
      env: {
        SPECSTEER_ROUNDS_PER_SECOND: '1000000',
        SPECSTEER_RATE_LIMIT_BURST: '1000000',
        SPECSTEER_FRAME_BYTES_PER_SECOND: String(64 * 1024 * 1024),
      },
    });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    for (const id of ['a', 'b', 'c', 'd']) await opened(device, id);

    // Round 0 of each session blocks in scoring; the next frames queue behind it in session order.
    const frames = 100;
    for (let i = 0; i < frames; i++) {
      device.send({
        type: 'draft',
        sessionId: ['a', 'b', 'c', 'd'][i % 4],
        round: Math.floor(i / 4),
        tokens: [2, 3],
      });
    }
    const serverSocket = [...server.app.websocketServer.clients][0]!;
    const until = Date.now() + 5_000;
    while (!serverSocket.isPaused && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(serverSocket.isPaused).toBe(true);

    open();
    device.send({ type: 'ping', nonce: 'after' });
    const answers = [];
    for (let answer = await device.next(); answer.type !== 'pong'; answer = await device.next())
      answers.push(answer);
    // Round 0 of each session is verified; every later frame is refused in order (round 1 must carry
    // the recovered token), so each of the 100 frames got its answer, and the ping came last.
    expect(answers.filter((a) => a.type === 'verdict')).toHaveLength(4);
    expect(answers.filter((a) => a.type === 'verdict' || a.type === 'error')).toHaveLength(frames);
    const resumeBy = Date.now() + 5_000;
    while (serverSocket.isPaused && Date.now() < resumeBy)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(serverSocket.isPaused).toBe(false);
  });

  it('refuses upgrades past SPECSTEER_MAX_CONNECTIONS with HTTP 503 and counts them', async () => {
    server = await startVerifier({ env: { SPECSTEER_MAX_CONNECTIONS: '2' } });
    const first = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await welcomed(server.url, server.backend.tokenizerFingerprint);
    await expect(RawDevice.connect(server.url)).rejects.toThrow('HTTP 503');
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('specsteer_rejected_upgrades_total{reason="capacity"} 1');
    first.close();
    await first.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await welcomed(server.url, server.backend.tokenizerFingerprint);
  });
});
