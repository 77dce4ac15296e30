// Every JSON example of README.md is checked here, so the docs cannot rot:
// valid frames must parse in their direction and use ids inside the README's
// vocabulary; a frame marked `<!-- refused: CODE at PATH -->` must be refused
// exactly so, and the error frame shown after it must be the one produced.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  ERROR_CODE_INFO,
  LimitsSchema,
  checkTokenRange,
  parseClientFrame,
  parseServerFrame,
  type ClientMessage,
  type ServerMessage,
} from '../src/index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Example {
  line: number;
  text: string;
  refused?: { code: string; path: string };
}

function jsonExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  const pattern = /(?:<!-- refused: ([A-Z_]+) at (\S+) -->\s*)?```json\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(pattern)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    const [, code, path, text] = match;
    examples.push({ line, text: text as string, ...(code && path && { refused: { code, path } }) });
  }
  return examples;
}

const examples = jsonExamples(readme);
const isClientType = (type: unknown) => (CLIENT_MESSAGE_TYPES as readonly unknown[]).includes(type);
const welcome = examples.map((e) => JSON.parse(e.text)).find((value) => value.type === 'welcome');
const limits = LimitsSchema.parse(welcome.limits);
const vocabSize: number = welcome.vocabSize;

describe('README.md examples', () => {
  it('has an example of every message type of both directions', () => {
    const types = new Set(examples.map((e) => (JSON.parse(e.text) as { type: string }).type));
    for (const type of [
      'hello',
      'welcome',
      'open',
      'opened',
      'draft',
      'verdict',
      'resume',
      'resumed',
    ]) {
      expect(types).toContain(type);
    }
    for (const type of ['close', 'closed', 'error', 'ping', 'pong']) expect(types).toContain(type);
    expect(examples.filter((e) => e.refused).length).toBeGreaterThanOrEqual(2);
  });

  const valid = examples.filter((e) => !e.refused);
  it.each(valid.map((e) => [e.line, e] as const))(
    'parses the frame at line %i, ids in range',
    (_, example) => {
      const type = (JSON.parse(example.text) as { type: unknown }).type;
      const result = isClientType(type)
        ? parseClientFrame(example.text, limits)
        : parseServerFrame(example.text);
      if (!result.ok) throw result.error;
      expect(
        checkTokenRange(result.message as ClientMessage | ServerMessage, vocabSize),
      ).toBeNull();
    },
  );

  const refused = examples.flatMap((e, i) =>
    e.refused ? [[e.line, e, examples[i + 1]] as const] : [],
  );
  it.each(refused)(
    'refuses the frame at line %i as marked, with the error frame shown next',
    (_, example, next) => {
      const result = parseClientFrame(example.text, limits);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(example.refused?.code);
      expect(result.error.data?.path).toBe(example.refused?.path);
      expect(JSON.parse(next?.text ?? 'null')).toEqual(result.error.toFrame());
    },
  );

  it('has the error code table of ERROR_CODE_INFO, row for row', () => {
    // Cells are compared trimmed: prettier pads markdown tables.
    const rows = new Map<string, string[]>();
    for (const line of readme.split('\n')) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      const code = /^`([A-Z_]+)`$/.exec(cells[0] ?? '')?.[1];
      if (code && cells.length === 4) rows.set(code, cells.slice(1));
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERROR_CODE_INFO).sort());
    for (const [code, info] of Object.entries(ERROR_CODE_INFO)) {
      expect(rows.get(code), `README row for ${code}`).toEqual([
        info.scope,
        info.retryable ? 'yes' : 'no',
        info.meaning,
      ]);
    }
  });
});
