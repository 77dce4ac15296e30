// @specsteer/protocol: the SpecSteer wire protocol (README.md). Every message
// is a zod schema (`XSchema`) with its inferred type (`X`) and a guard (`isX`).

export { HARD_CAPS } from './caps.ts';
export {
  ERROR_CODE_INFO,
  ErrorCode,
  ErrorCodeSchema,
  SpecSteerError,
  isErrorCode,
  type ErrorCodeInfo,
  type ErrorFrameFields,
  type ErrorScope,
} from './errors.ts';
export { exceedsBytes, utf8ByteLength } from './frame-size.ts';
export { encodeFrame, parseClientFrame, parseServerFrame, type ParseResult } from './frames.ts';
export * from './guards.ts';
export { JSON_SCHEMA_ID, buildJsonSchema } from './json-schema.ts';
export { checkLimits } from './limits-check.ts';
export { DEFAULT_LIMITS, LimitsSchema, type Limits } from './limits.ts';
export * from './messages/index.ts';
export {
  LogprobOrNullSchema,
  LogprobSchema,
  RoundSchema,
  SessionIdSchema,
  SoftwareInfoSchema,
  TokenCountSchema,
  TokenIdSchema,
  TokenizerFingerprintSchema,
  logprobFromWire,
  logprobToWire,
  tokenListSchema,
  type Logprob,
  type LogprobOrNull,
  type SessionId,
  type TokenId,
} from './primitives.ts';
export { checkTokenRange } from './token-range.ts';
export {
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  assertSupportedProtocolVersion,
  isSupportedProtocolVersion,
} from './version.ts';
