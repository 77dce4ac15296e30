import { ErrorCode, PROTOCOL_VERSION, SpecSteerError } from '@specsteer/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawDevice } from './support/raw-device.ts';
import {
  codesSeen,
  expectError,
  hello,
  opened,
  PROMPT,
  SAMPLING,
  welcomed,
} from './support/handshake.ts';
import { TABLE_STOP_TOKEN, TABLE_VOCAB_SIZE } from './support/table-backend.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// Every protocol error code, provoked over a real WebSocket by the input that
// causes it, and what it does to the connection: message-scope errors leave it
// usable (a ping still gets its pong), connection-scope ones close it with a code.

const KEY_A = 'device-key-a-0123456789';
const KEY_B = 'device-key-b-0123456789';

const started: StartedVerifier[] = [];
async function verifier(...args: Parameters<typeof startVerifier>) {
  const v = await startVerifier(...args);
  started.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((v) => v.close()));
});

/** A ping still gets its pong; only the `closed` (reason error) that follows a session-scope error may come first. */
async function stillUsable(device: RawDevice): Promise<void> {
  device.send({ type: 'ping', nonce: 'still-there' });
  let answer = await device.next();
  while (answer.type === 'closed' && answer.reason === 'error') answer = await device.next();
  expect(answer).toEqual({ type: 'pong', nonce: 'still-there' });
}

describe('frame and message errors', () => {
  it('BAD_FRAME for a binary frame, then the connection closes', async () => {
    const server = await verifier();
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    device.sendRaw(Buffer.from('{"type":"ping"}'), true);
    expectError(await device.next(), ErrorCode.BAD_FRAME);
    expect((await device.closed).code).toBe(1002);
  });

  it('BAD_FRAME for a frame over limits.maxFrameBytes, and for text that is not JSON', async () => {
    const server = await verifier({ env: { SPECSTEER_MAX_FRAME_BYTES: '4096' } });
    const big = await welcomed(server.url, server.backend.tokenizerFingerprint);
    big.send({ type: 'ping', nonce: 'x', padding: 'y'.repeat(5000) });
    expect(expectError(await big.next(), ErrorCode.BAD_FRAME).message).toContain('4096');
    const garbled = await RawDevice.connect(server.url);
    garbled.sendRaw('{"type": "hello", oops');
    expectError(await garbled.next(), ErrorCode.BAD_FRAME);
  });

  it('cuts a frame far beyond the limit at the WebSocket layer without disturbing other connections', async () => {
    const server = await verifier({ env: { SPECSTEER_MAX_FRAME_BYTES: '4096' } });
    const bystander = await welcomed(server.url, server.backend.tokenizerFingerprint);
    // Every time, not sometimes: ws's close frame must reach the device before the socket goes.
    const flooders = await Promise.all(
      Array.from({ length: 12 }, () => welcomed(server.url, server.backend.tokenizerFingerprint)),
    );
    for (const flooder of flooders) flooder.sendRaw('x'.repeat(2 * 4096 + 1));
    const codes = await Promise.all(flooders.map(async (f) => (await f.closed).code));
    expect(codes).toEqual(flooders.map(() => 1009));
    await stillUsable(bystander);
  });

  it('INVALID_MESSAGE naming the field, and the connection stays usable', async () => {
    const server = await verifier();
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    const error = expectError(
      await device.request({
        type: 'open',
        sessionId: 's1',
        prompt: PROMPT,
        sampling: { ...SAMPLING, topK: 'eight' },
      }),
      ErrorCode.INVALID_MESSAGE,
    );
    expect(error.message).toContain('sampling.topK');
    expect(error.data?.path).toBe('open.sampling.topK');
    expectError(await device.request({ type: 'teleport' }), ErrorCode.INVALID_MESSAGE);
    await stillUsable(device);
  });
});

describe('handshake errors close the connection', () => {
  it('UNSUPPORTED_VERSION names the supported versions', async () => {
    const server = await verifier();
    const device = await RawDevice.connect(server.url);
    const error = expectError(
      await device.request(
        hello(server.backend.tokenizerFingerprint, { protocolVersion: 'specsteer/0' }),
      ),
      ErrorCode.UNSUPPORTED_VERSION,
    );
    expect(error.data?.supported).toEqual([PROTOCOL_VERSION]);
    expect((await device.closed).code).toBe(1002);
  });

  it('TOKENIZER_MISMATCH when the drafter uses another tokenizer', async () => {
    const server = await verifier();
    const device = await RawDevice.connect(server.url);
    expectError(await device.request(hello('0123456789abcdef')), ErrorCode.TOKENIZER_MISMATCH);
    expect((await device.closed).code).toBe(1002);
  });

  it('UNAUTHORIZED for a message before hello', async () => {
    const server = await verifier();
    const device = await RawDevice.connect(server.url);
    expectError(
      await device.request({ type: 'open', sessionId: 's1', prompt: PROMPT, sampling: SAMPLING }),
      ErrorCode.UNAUTHORIZED,
    );
    expect((await device.closed).code).toBe(1008);
  });

  it('UNAUTHORIZED without a key, with a wrong key in hello, and with a wrong bearer on the upgrade', async () => {
    const server = await verifier({ env: { SPECSTEER_API_KEYS: `${KEY_A},${KEY_B}` } });
    const fingerprint = server.backend.tokenizerFingerprint;
    const keyless = await RawDevice.connect(server.url);
    expectError(await keyless.request(hello(fingerprint)), ErrorCode.UNAUTHORIZED);
    expect((await keyless.closed).code).toBe(1008);
    const wrongInHello = await RawDevice.connect(server.url);
    expectError(
      await wrongInHello.request(hello(fingerprint, { apiKey: 'not-a-key-0123456789' })),
      ErrorCode.UNAUTHORIZED,
    );
    const wrongBearer = await RawDevice.connect(server.url, {
      headers: { authorization: 'Bearer not-a-key-0123456789' },
    });
    expectError(await wrongBearer.next(), ErrorCode.UNAUTHORIZED);
    expect((await wrongBearer.closed).code).toBe(1008);
  });

  it('accepts a key as a bearer header, as a bearer subprotocol, or in hello', async () => {
    const server = await verifier({ env: { SPECSTEER_API_KEYS: `${KEY_A},${KEY_B}` } });
    const fingerprint = server.backend.tokenizerFingerprint;
    await welcomed(server.url, fingerprint, { headers: { authorization: `Bearer ${KEY_A}` } });
    const bySubprotocol = await welcomed(server.url, fingerprint, {
      protocols: ['specsteer', `specsteer.bearer.${KEY_B}`],
    });
    expect(bySubprotocol.socket.protocol).toBe('specsteer');
    await welcomed(server.url, fingerprint, { apiKey: KEY_A });
  });

  it('FORBIDDEN_ORIGIN for a browser page from an origin not on the list', async () => {
    const server = await verifier({
      env: { SPECSTEER_ALLOWED_ORIGINS: 'https://app.specsteer.example' },
    });
    const foreign = await RawDevice.connect(server.url, {
      headers: { origin: 'https://evil.example' },
    });
    expectError(await foreign.next(), ErrorCode.FORBIDDEN_ORIGIN);
    expect((await foreign.closed).code).toBe(1008);
    await welcomed(server.url, server.backend.tokenizerFingerprint, {
      headers: { origin: 'https://app.specsteer.example' },
    });
  });
});

describe('session and round errors leave the connection usable', () => {
  it('UNKNOWN_SESSION, SESSION_EXISTS and TOO_MANY_SESSIONS', async () => {
    const server = await verifier({ env: { SPECSTEER_MAX_SESSIONS_PER_CONNECTION: '1' } });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    expectError(
      await device.request({ type: 'draft', sessionId: 'ghost', round: 0, tokens: [2] }),
      ErrorCode.UNKNOWN_SESSION,
    );
    expect((await opened(device, 'a')).type).toBe('opened');
    expectError(await opened(device, 'a'), ErrorCode.SESSION_EXISTS);
    expectError(await opened(device, 'b'), ErrorCode.TOO_MANY_SESSIONS);
    await stillUsable(device);
  });

  it('OUT_OF_ORDER_ROUND names the round expected', async () => {
    const server = await verifier();
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    const error = expectError(
      await device.request({ type: 'draft', sessionId: 'a', round: 3, tokens: [2] }),
      ErrorCode.OUT_OF_ORDER_ROUND,
    );
    expect(error.data?.expected).toBe(0);
    await stillUsable(device);
  });

  it('DRAFT_TOO_LONG, PROMPT_TOO_LONG and TOKEN_OUT_OF_RANGE against the announced limits', async () => {
    const server = await verifier({
      env: { SPECSTEER_MAX_DRAFT_TOKENS: '4', SPECSTEER_MAX_PROMPT_TOKENS: '40' },
    });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    expectError(
      await device.request({
        type: 'open',
        sessionId: 'long',
        prompt: { messages: [{ role: 'user', content: 'x'.repeat(40) }] },
        sampling: SAMPLING,
      }),
      ErrorCode.PROMPT_TOO_LONG,
    );
    expect(
      (
        await device.request({
          type: 'open',
          sessionId: 'a',
          prompt: { messages: [{ role: 'user', content: 'hi' }] },
          sampling: SAMPLING,
        })
      ).type,
    ).toBe('opened');
    expectError(
      await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2, 3, 4, 5, 6] }),
      ErrorCode.DRAFT_TOO_LONG,
    );
    const outOfRange = expectError(
      await device.request({
        type: 'draft',
        sessionId: 'a',
        round: 0,
        tokens: [2, TABLE_VOCAB_SIZE],
      }),
      ErrorCode.TOKEN_OUT_OF_RANGE,
    );
    expect(outOfRange.message).toContain('tokens[1]');
    expect(
      (await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2, 3] })).type,
    ).toBe('verdict');
  });

  it('SESSION_FINISHED for a draft after the stop token was committed', async () => {
    const server = await verifier();
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    expect(
      (await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [] })).type,
    ).toBe('verdict');
    const finished = await device.request({
      type: 'draft',
      sessionId: 'a',
      round: 1,
      committed: [TABLE_STOP_TOKEN],
      tokens: [],
    });
    expect(finished).toMatchObject({ type: 'verdict', finish: 'stop', corrections: null });
    expectError(
      await device.request({ type: 'draft', sessionId: 'a', round: 2, tokens: [2] }),
      ErrorCode.SESSION_FINISHED,
    );
  });

  it('RATE_LIMITED past the burst, per API key: another key keeps its own budget', async () => {
    const server = await verifier({
      env: {
        SPECSTEER_API_KEYS: `${KEY_A},${KEY_B}`,
        SPECSTEER_ROUNDS_PER_SECOND: '0.5',
        SPECSTEER_RATE_LIMIT_BURST: '2',
      },
    });
    const fingerprint = server.backend.tokenizerFingerprint;
    const greedy = await welcomed(server.url, fingerprint, { apiKey: KEY_A });
    await opened(greedy, 'a');
    expect(
      (await greedy.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2] })).type,
    ).toBe('verdict');
    expect(
      (
        await greedy.request({
          type: 'draft',
          sessionId: 'a',
          round: 1,
          committed: [3],
          tokens: [2],
        })
      ).type,
    ).toBe('verdict');
    const limited = expectError(
      await greedy.request({
        type: 'draft',
        sessionId: 'a',
        round: 2,
        committed: [3],
        tokens: [2],
      }),
      ErrorCode.RATE_LIMITED,
    );
    expect(limited.data?.retryAfterMs).toBeGreaterThan(0);
    expect(limited.round).toBe(2);
    // A second connection with the same key shares the budget; another key does not.
    const sameKey = await welcomed(server.url, fingerprint, {
      headers: { authorization: `Bearer ${KEY_A}` },
    });
    await opened(sameKey, 'b');
    expectError(
      await sameKey.request({ type: 'draft', sessionId: 'b', round: 0, tokens: [2] }),
      ErrorCode.RATE_LIMITED,
    );
    const other = await welcomed(server.url, fingerprint, { apiKey: KEY_B });
    await opened(other, 'c');
    expect(
      (await other.request({ type: 'draft', sessionId: 'c', round: 0, tokens: [2] })).type,
    ).toBe('verdict');
    await stillUsable(greedy);
  });
});

describe('backend failures', () => {
  it('BACKEND_UNAVAILABLE and BACKEND_TIMEOUT from the backend reach the device; the round can be retried', async () => {
    let failure: Error | undefined;
    const server = await verifier({ table: { scoringFailure: () => failure } });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    failure = new SpecSteerError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'the target model server is not reachable',
    );
    expectError(
      await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2] }),
      ErrorCode.BACKEND_UNAVAILABLE,
    );
    failure = new SpecSteerError(
      ErrorCode.BACKEND_TIMEOUT,
      'the target model took longer than 30000 ms',
    );
    expectError(
      await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2] }),
      ErrorCode.BACKEND_TIMEOUT,
    );
    failure = undefined;
    expect(
      await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2] }),
    ).toMatchObject({ type: 'verdict', round: 0 });
  });

  it('backend failures name no URL, host or variable to the device; the operator log has them at warn with session and round', async () => {
    let failure: Error | undefined;
    const server = await verifier({ table: { scoringFailure: () => failure } });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    const internals = [
      'http://10.20.30.40:8000',
      'vllm-target.internal',
      'SPECSTEER_VLLM_TARGET_URL',
    ];
    const failures = [
      new SpecSteerError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `vLLM target (http://10.20.30.40:8000) POST /v1/completions failed: ECONNREFUSED vllm-target.internal. Check SPECSTEER_VLLM_TARGET_URL`,
        { backend: 'vllm', role: 'target', reason: 'ECONNREFUSED vllm-target.internal' },
      ),
      new SpecSteerError(
        ErrorCode.BACKEND_TIMEOUT,
        'vLLM target (http://10.20.30.40:8000) gave no answer; raise SPECSTEER_VLLM_TARGET_URL',
      ),
      new SpecSteerError(ErrorCode.INTERNAL, 'vllm-target.internal said: engine dead'),
    ];
    for (const [i, next] of failures.entries()) {
      failure = next;
      const frame = await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2] });
      const error = expectError(frame, next.code);
      for (const name of internals) expect(JSON.stringify(error)).not.toContain(name);
      if (next.code === ErrorCode.INTERNAL) await device.next(); // INTERNAL is session-scope: `closed`
      const warned = server.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.level === 40 && line.code === next.code);
      expect(warned, `failure ${i}`).toHaveLength(1);
      expect(warned[0]).toMatchObject({ sessionId: 'a', round: 0 });
      expect(warned[0]!.detail).toBe(next.message);
    }
  });

  it('INTERNAL without details for a server fault; the details go to the log only', async () => {
    const fault: { error?: Error } = {};
    const server = await verifier({ table: { scoringFailure: () => fault.error } });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    fault.error = new Error('llama_decode failed at /srv/secret/path');
    const error = expectError(
      await device.request({ type: 'draft', sessionId: 'a', round: 0, tokens: [2] }),
      ErrorCode.INTERNAL,
    );
    expect(JSON.stringify(error)).not.toContain('llama_decode');
    const logged = server.logs.filter((line) => line.includes('llama_decode'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!).level).toBe(50);
    await stillUsable(device);
  });
});

describe('timeouts and shutdown', () => {
  it('IDLE_TIMEOUT: an idle session is closed, then the idle connection with the code', async () => {
    const server = await verifier({ env: { SPECSTEER_IDLE_TIMEOUT_MS: '1000' } });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    expect(await device.next(3_000)).toMatchObject({
      type: 'closed',
      sessionId: 'a',
      reason: 'idle_timeout',
    });
    expectError(await device.next(3_000), ErrorCode.IDLE_TIMEOUT);
    expect((await device.closed).code).toBe(1000);
  });

  it('SERVER_SHUTTING_DOWN after the round in flight is answered; sessions are closed with a reason', async () => {
    const server = await verifier({ table: { scoreDelayMs: 300 } });
    const device = await welcomed(server.url, server.backend.tokenizerFingerprint);
    await opened(device, 'a');
    device.send({ type: 'draft', sessionId: 'a', round: 0, tokens: [2, 3] });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the round is now being scored
    const closing = server.close();
    expect(await device.next()).toMatchObject({ type: 'verdict', round: 0 });
    expect(await device.next()).toMatchObject({
      type: 'closed',
      sessionId: 'a',
      reason: 'shutting_down',
    });
    expectError(await device.next(), ErrorCode.SERVER_SHUTTING_DOWN);
    expect((await device.closed).code).toBe(1001);
    await closing;
    expect(await server.backend.ready()).toBe(false);
    await expect(RawDevice.connect(server.url)).rejects.toThrow();
  });
});

// Runs last (tests of a file run in order): the tests above provoked every code of the protocol.
it('provoked every error code of the protocol, each by the input that causes it', () => {
  expect([...codesSeen].sort()).toEqual(Object.values(ErrorCode).sort());
});
