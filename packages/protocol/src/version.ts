// The protocol version is a constant sent in `hello` and echoed in `welcome`;
// each side checks the other's against the versions it supports (README:
// "Versioning"), so a mismatch fails at the handshake with a clear error
// instead of as a confusing schema failure three rounds later.

import { ErrorCode, SpecSteerError } from './errors.ts';

/** The version this package speaks. */
export const PROTOCOL_VERSION = 'specsteer/2';

/** Every version this package can talk; a server answers in the client's version. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [PROTOCOL_VERSION];

export function isSupportedProtocolVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/**
 * Throws UNSUPPORTED_VERSION naming what is supported. Call it on `hello`
 * (server side) and on `welcome` (client side).
 */
export function assertSupportedProtocolVersion(version: string): void {
  if (isSupportedProtocolVersion(version)) return;
  throw new SpecSteerError(
    ErrorCode.UNSUPPORTED_VERSION,
    `protocol version ${JSON.stringify(version)} is not supported; ` +
      `this side speaks ${SUPPORTED_PROTOCOL_VERSIONS.map((v) => JSON.stringify(v)).join(', ')}. ` +
      'Upgrade the older side.',
    { requested: version, supported: [...SUPPORTED_PROTOCOL_VERSIONS] },
  );
}
