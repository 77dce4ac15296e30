import { PROTOCOL_VERSION, type ServerMessage } from '@specsteer/protocol';
import { RawDevice } from './raw-device.ts';
import { TABLE_STOP_TOKEN } from './table-backend.ts';

// Short ways to reach a given protocol state with raw frames.

export const SAMPLING = {
  temperature: 1,
  seed: 1,
  topK: 4,
  maxTokens: 20,
  stopTokens: [TABLE_STOP_TOKEN],
};
export const PROMPT = { messages: [{ role: 'user', content: 'Write a note to the team.' }] };

export function hello(fingerprint: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    tokenizerFingerprint: fingerprint,
    ...extra,
  };
}

/** Connect and complete hello → welcome. */
export async function welcomed(
  url: string,
  fingerprint: string,
  options: { headers?: Record<string, string>; protocols?: string[]; apiKey?: string } = {},
): Promise<RawDevice> {
  const device = await RawDevice.connect(url, options);
  const welcome = await device.request(
    hello(fingerprint, options.apiKey ? { apiKey: options.apiKey } : {}),
  );
  if (welcome.type !== 'welcome')
    throw new Error(`expected welcome, got ${JSON.stringify(welcome)}`);
  return device;
}

export async function opened(
  device: RawDevice,
  sessionId: string,
  sampling: Record<string, unknown> = {},
): Promise<ServerMessage> {
  return device.request({
    type: 'open',
    sessionId,
    prompt: PROMPT,
    sampling: { ...SAMPLING, ...sampling },
  });
}

/** Every code expectError has seen in this test process (the error-code suite checks it covered all). */
export const codesSeen = new Set<string>();

export function expectError(
  message: ServerMessage,
  code: string,
): Extract<ServerMessage, { type: 'error' }> {
  if (message.type !== 'error' || message.code !== code) {
    throw new Error(`expected error ${code}, got ${JSON.stringify(message)}`);
  }
  codesSeen.add(code);
  return message;
}
