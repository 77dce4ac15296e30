import {
  ErrorCode,
  PROTOCOL_VERSION,
  encodeFrame,
  parseServerFrame,
  type Limits,
  type Welcome,
} from '@specsteer/protocol';
import WebSocket from 'ws';
import { CliUsageError, VerifierUnreachableError } from './cli-usage-error.ts';

/** The protocol endpoint's path on every SpecSteer verifier. */
export const VERIFIER_SOCKET_PATH = '/v1/ws';

/**
 * The verifier URL the user meant: `ws://host:port` or `http://host:port`
 * without a path is the verifier's endpoint there (`/v1/ws`); http(s) becomes
 * ws(s). Anything else is a usage error naming what is accepted.
 */
export function verifierSocketUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliUsageError(`--server is "${raw}"; expected a URL such as ws://127.0.0.1:8787`);
  }
  const scheme = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }[url.protocol];
  if (scheme === undefined) {
    throw new CliUsageError(
      `--server is "${raw}"; expected a ws://, wss://, http:// or https:// URL`,
    );
  }
  url.protocol = scheme;
  if (url.pathname === '' || url.pathname === '/') url.pathname = VERIFIER_SOCKET_PATH;
  return url.toString();
}

export interface ProbeOptions {
  fingerprint: string;
  apiKey?: string;
  /** Give up when the verifier has not answered `hello` within this long. */
  timeoutMs?: number;
  client?: { name: string; version: string };
}

/**
 * One handshake with the verifier before the generation: it learns the
 * announced limits (so the request fits them), and it tells apart the ways a
 * URL can be wrong, which a generic "cannot connect" hides: nothing listening
 * (refused), no such host, something that is not a SpecSteer verifier, no
 * answer in time, or a verifier that refuses this client (key, tokenizer).
 */
export function probeVerifier(url: string, options: ProbeOptions): Promise<Welcome> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const where = new URL(url).host;
  return new Promise<Welcome>((resolve, reject) => {
    let settled = false;
    const socket = new WebSocket(url, 'specsteer', {
      ...(options.apiKey !== undefined && {
        headers: { authorization: `Bearer ${options.apiKey}` },
      }),
    });
    const finish = (error: Error | null, welcome?: Welcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // a late error after we gave up is not news
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else socket.terminate();
      if (error !== null) reject(error);
      else resolve(welcome!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new VerifierUnreachableError(
            'TIMED_OUT',
            `${url} did not answer within ${timeoutMs / 1000} s (a firewall dropping packets, or a server that does not speak WebSocket)`,
          ),
        ),
      timeoutMs,
    );

    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      if (status === 401 || status === 403) {
        finish(
          new VerifierUnreachableError(
            ErrorCode.UNAUTHORIZED,
            `${url} refused the API key (HTTP ${status}): pass the right one with --api-key`,
          ),
        );
      } else if (status === 503) {
        finish(
          new VerifierUnreachableError(
            ErrorCode.BACKEND_UNAVAILABLE,
            `${url} is a verifier that cannot take connections now (HTTP 503: starting, draining or full); try again shortly`,
          ),
        );
      } else {
        finish(
          new VerifierUnreachableError(
            'NOT_SPECSTEER',
            `${url} answered the WebSocket upgrade with HTTP ${status}: not a SpecSteer endpoint (a verifier serves ${VERIFIER_SOCKET_PATH})`,
          ),
        );
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        finish(
          new VerifierUnreachableError(
            'CONNECTION_REFUSED',
            `nothing is listening at ${where} (connection refused): start the verifier, or check the host and port`,
          ),
        );
      } else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
        finish(
          new VerifierUnreachableError('HOST_NOT_FOUND', `no such host: ${new URL(url).hostname}`),
        );
      } else {
        finish(
          new VerifierUnreachableError(
            'NOT_SPECSTEER',
            `${url} is not a SpecSteer endpoint: ${error.message}`,
          ),
        );
      }
    });
    socket.on('open', () => {
      socket.send(
        encodeFrame({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          tokenizerFingerprint: options.fingerprint,
          ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
          ...(options.client !== undefined && { client: options.client }),
        }),
      );
    });
    socket.on('message', (data, isBinary) => {
      const parsed = isBinary ? null : parseServerFrame(data.toString());
      if (parsed === null || !parsed.ok) {
        finish(
          new VerifierUnreachableError(
            'NOT_SPECSTEER',
            `${url} answered hello with something that is not a SpecSteer frame: not a SpecSteer endpoint`,
          ),
        );
        return;
      }
      const message = parsed.message;
      if (message.type === 'welcome') finish(null, message);
      else if (message.type === 'error') {
        finish(new VerifierUnreachableError(message.code, message.message));
      } else {
        finish(
          new VerifierUnreachableError(
            'NOT_SPECSTEER',
            `${url} answered hello with "${message.type}" instead of welcome`,
          ),
        );
      }
    });
    socket.on('close', (code, reason) => {
      finish(
        new VerifierUnreachableError(
          'NOT_SPECSTEER',
          `${url} closed the connection before the handshake (close ${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`,
        ),
      );
    });
  });
}

/** A request setting above what the verifier announced, and what the CLI uses instead. */
export interface Clamp {
  flag: string;
  requested: number;
  used: number;
  why: string;
}

/**
 * Fit the request to the verifier's announced limits: each lowered setting
 * comes back with its reason, for a one-line notice, instead of failing the
 * generation. The device's own context never lowers maxTokens: the frame must
 * not depend on the history's length (the device ends the answer itself).
 */
export function fitToLimits(
  request: { k: number; topK: number; maxTokens: number },
  limits: Limits,
): { k: number; topK: number; maxTokens: number; clamps: Clamp[] } {
  const clamps: Clamp[] = [];
  const fit = (flag: string, requested: number, cap: number, why: string) => {
    if (requested <= cap) return requested;
    clamps.push({ flag, requested, used: cap, why });
    return cap;
  };
  const k = fit('--k', request.k, limits.maxDraftTokens, "this verifier's draft limit");
  const topK = fit('--top-k', request.topK, limits.maxTopK, "this verifier's top-K limit");
  const maxTokens = fit(
    '--max-tokens',
    request.maxTokens,
    limits.maxTokens,
    "this verifier's output limit",
  );
  return { k, topK, maxTokens, clamps };
}

export function describeClamp(clamp: Clamp): string {
  return `${clamp.flag} ${clamp.requested} is above ${clamp.why}; using ${clamp.used}`;
}
