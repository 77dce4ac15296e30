import { ErrorCode, SpecSteerError } from '@specsteer/protocol';

// The byte-level half of reading a frame, which only the transport can see:
// its size before decoding, text versus binary, and UTF-8. The text then goes
// to the protocol's parser (JSON and schema) inside the conversation.

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of one WebSocket message, or BAD_FRAME saying what is wrong with it. */
export function frameText(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean, maxFrameBytes: number): string {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (bytes.length > maxFrameBytes) {
    throw new SpecSteerError(
      ErrorCode.BAD_FRAME,
      `frame of ${bytes.length} bytes exceeds limits.maxFrameBytes (${maxFrameBytes})`,
      { bytes: bytes.length, maxFrameBytes },
    );
  }
  if (isBinary) {
    throw new SpecSteerError(ErrorCode.BAD_FRAME, 'binary frame; send JSON as a text frame', { binary: true });
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SpecSteerError(ErrorCode.BAD_FRAME, 'frame is not valid UTF-8 text');
  }
}
