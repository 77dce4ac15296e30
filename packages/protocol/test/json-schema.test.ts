import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, renderJsonSchema } from '../src/json-schema.ts';
import { breakable, validClientMessages, validServerMessages } from './fixtures.ts';

const schemaFile = new URL('../schema/specsteer.schema.json', import.meta.url);

describe('the exported JSON Schema', () => {
  it('is up to date with the zod schemas (run scripts/export-json-schema.ts if not)', () => {
    const committed: unknown = JSON.parse(readFileSync(schemaFile, 'utf8'));
    expect(
      committed,
      'schema/specsteer.schema.json is stale: pnpm exec tsx packages/protocol/scripts/export-json-schema.ts',
    ).toEqual(buildJsonSchema());
  });

  it('is rendered deterministically', () => {
    expect(renderJsonSchema()).toBe(renderJsonSchema());
  });

  // What a client in another language does: compile the file with a standard
  // JSON Schema validator (here Ajv) and check frames against one direction.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
  const id = (buildJsonSchema().$id as string) + '#/$defs/';
  const clientFrame = ajv.getSchema(`${id}ClientMessage`);
  const serverFrame = ajv.getSchema(`${id}ServerMessage`);

  it('accepts every valid example in its direction, as a standard validator reads it', () => {
    if (!clientFrame || !serverFrame)
      throw new Error('ClientMessage/ServerMessage missing from $defs');
    for (const message of Object.values(validClientMessages)) {
      expect(clientFrame(message), JSON.stringify(clientFrame.errors)).toBe(true);
      expect(serverFrame(message)).toBe(false);
    }
    for (const message of Object.values(validServerMessages)) {
      expect(serverFrame(message), JSON.stringify(serverFrame.errors)).toBe(true);
    }
  });

  it('refuses what the schema can express: bad token ids, positive logprobs, long drafts, unknown types', () => {
    if (!clientFrame || !serverFrame)
      throw new Error('ClientMessage/ServerMessage missing from $defs');
    expect(clientFrame({ ...validClientMessages.draft, tokens: [1.5] })).toBe(false);
    expect(clientFrame({ ...validClientMessages.draft, tokens: new Array(65).fill(1) })).toBe(
      false,
    );
    expect(clientFrame({ ...validClientMessages.draft, type: 'teleport' })).toBe(false);
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].logprobs[0] = 0.1;
    expect(serverFrame(verdict)).toBe(false);
    const both = breakable(validClientMessages.open);
    both.prompt.tokens = [1];
    expect(clientFrame(both)).toBe(false);
    expect(clientFrame({ ...validClientMessages.draft, extraFieldFromTheFuture: 1 })).toBe(true);
  });
});
