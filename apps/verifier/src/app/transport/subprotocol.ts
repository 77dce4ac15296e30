// Browsers cannot set headers on a WebSocket upgrade, so a browser client may
// carry its API key as a subprotocol: `new WebSocket(url, ['specsteer',
// 'specsteer.bearer.' + key])`. The server answers `specsteer` and never
// echoes the key-bearing entry when it has another to choose.

export const SUBPROTOCOL = 'specsteer';
const BEARER_PREFIX = 'specsteer.bearer.';

/** A `specsteer.bearer.<key>` entry. */
export function isBearerSubprotocol(protocol: string): boolean {
  return protocol.startsWith(BEARER_PREFIX);
}

/**
 * The subprotocol to answer with, or false to answer none (ws then omits the
 * header). Never a key-bearing entry, even when it is the only one offered:
 * the answer travels in a response header, which proxies and browsers log.
 */
export function chooseSubprotocol(offered: Set<string>): string | false {
  if (offered.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const protocol of offered) if (!protocol.startsWith(BEARER_PREFIX)) return protocol;
  return false;
}

/** The API key a client sent as `Authorization: Bearer …` or as a bearer subprotocol, if any. */
export function upgradeApiKey(headers: {
  authorization?: string | undefined;
  'sec-websocket-protocol'?: string | undefined;
}): string | undefined {
  const authorization = headers.authorization?.trim();
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (match) return match[1];
  }
  for (const protocol of (headers['sec-websocket-protocol'] ?? '').split(',')) {
    const trimmed = protocol.trim();
    if (trimmed.startsWith(BEARER_PREFIX) && trimmed.length > BEARER_PREFIX.length) {
      return trimmed.slice(BEARER_PREFIX.length);
    }
  }
  return undefined;
}
