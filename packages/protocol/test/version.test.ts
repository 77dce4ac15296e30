import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  SpecSteerError,
  assertSupportedProtocolVersion,
  parseClientFrame,
} from '../src/index.ts';
import { frame, validClientMessages } from './fixtures.ts';

describe('protocol version', () => {
  it('is one of the supported versions', () => {
    expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(PROTOCOL_VERSION);
    expect(() => assertSupportedProtocolVersion(PROTOCOL_VERSION)).not.toThrow();
  });

  it('refuses an unsupported version with UNSUPPORTED_VERSION naming what is supported', () => {
    let caught: unknown;
    try {
      assertSupportedProtocolVersion('specsteer/99');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpecSteerError);
    const error = caught as SpecSteerError;
    expect(error.code).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(error.message).toContain('"specsteer/99"');
    expect(error.message).toContain(`"${PROTOCOL_VERSION}"`);
    expect(error.data).toEqual({
      requested: 'specsteer/99',
      supported: [...SUPPORTED_PROTOCOL_VERSIONS],
    });
    expect(error.scope).toBe('connection');
  });

  it('lets a hello with any version string through the schema, so the server can answer it clearly', () => {
    const hello = { ...validClientMessages.hello, protocolVersion: 'specsteer/2' };
    expect(parseClientFrame(frame(hello)).ok).toBe(true);
  });
});
