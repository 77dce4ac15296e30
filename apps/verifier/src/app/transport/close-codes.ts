import type { ErrorCode } from '@specsteer/protocol';

// The WebSocket close code sent after a connection-ending protocol error, so
// that proxies and browser dev tools show the right class of failure even
// before anyone reads the error frame.

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_INTERNAL_ERROR = 1011;

export function closeCodeFor(code: ErrorCode | string): number {
  switch (code) {
    case 'UNAUTHORIZED':
    case 'FORBIDDEN_ORIGIN':
      return CLOSE_POLICY_VIOLATION;
    case 'BAD_FRAME':
    case 'UNSUPPORTED_VERSION':
    case 'TOKENIZER_MISMATCH':
    case 'INVALID_MESSAGE':
      return CLOSE_PROTOCOL_ERROR;
    case 'SERVER_SHUTTING_DOWN':
      return CLOSE_GOING_AWAY;
    case 'IDLE_TIMEOUT':
      return CLOSE_NORMAL;
    default:
      return CLOSE_INTERNAL_ERROR;
  }
}
