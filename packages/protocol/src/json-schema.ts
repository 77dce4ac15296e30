// The JSON Schema of every frame, for clients in other languages. Generated
// from the zod schemas (never edited by hand); `schema/specsteer.schema.json`
// is this object, and a test fails when the committed file is stale.
//
// What JSON Schema cannot say, the zod schemas still check: numbers are finite
// (JSON has no Infinity anyway), correction arrays are as long as `ids` with
// no duplicate id, and a verdict has a correction exactly when it has no
// finish reason. Semantic checks (vocabulary range, limits) are separate.

import { z } from 'zod';
import { ClientMessageSchema, ServerMessageSchema } from './messages/index.ts';
import { PROTOCOL_VERSION } from './version.ts';

export const JSON_SCHEMA_ID = 'https://specsteer.dev/schema/specsteer.schema.json';

export function buildJsonSchema(): Record<string, unknown> {
  const frame = z.union([ClientMessageSchema, ServerMessageSchema]).meta({
    title: `SpecSteer frame (${PROTOCOL_VERSION})`,
    description:
      'Any SpecSteer WebSocket text frame. Validate what a client sends against #/$defs/ClientMessage and what a server sends against #/$defs/ServerMessage.',
  });
  // io 'input': what may be sent, so fields with a default are optional.
  const generated = z.toJSONSchema(frame, { io: 'input', target: 'draft-2020-12' });
  return { ...generated, $id: JSON_SCHEMA_ID, 'x-protocol-version': PROTOCOL_VERSION };
}

/** The file text: stable key order as generated, two-space indent, final newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
