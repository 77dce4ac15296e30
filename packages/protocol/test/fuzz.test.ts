import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  SpecSteerError,
  encodeFrame,
  isErrorCode,
  parseClientFrame,
  parseServerFrame,
  type ParseResult,
} from '../src/index.ts';
import { validClientMessages, validServerMessages } from './fixtures.ts';

/** mulberry32: a tiny seeded generator, so a failure replays from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  -1e308,
  1e308,
  '',
  'x',
  'ü😀',
  '__proto__',
  [],
  [null],
  [1, 2, 3],
  {},
  { type: 'draft' },
  new Array(70).fill(7),
  'constructor',
  'toString',
];

type Json = unknown;

function mutate(value: Json, random: () => number, depth = 0): Json {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  if (Array.isArray(value)) {
    const copy = [...value];
    const roll = random();
    if (roll < 0.3 && copy.length > 0) copy.splice(Math.floor(random() * copy.length), 1);
    else if (roll < 0.6) copy.push(pick(ODD_VALUES));
    else if (copy.length > 0) {
      const i = Math.floor(random() * copy.length);
      copy[i] = depth < 6 && random() < 0.5 ? mutate(copy[i], random, depth + 1) : pick(ODD_VALUES);
    }
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, Json> = { ...(value as Record<string, Json>) };
    const keys = Object.keys(copy);
    const roll = random();
    if (roll < 0.2 && keys.length > 0) delete copy[pick(keys)];
    else if (roll < 0.35)
      copy[pick(['extra', 'type', 'round', '__proto__', 'constructor'])] = pick(ODD_VALUES);
    else if (keys.length > 0) {
      const key = pick(keys);
      copy[key] =
        depth < 6 && random() < 0.6 ? mutate(copy[key], random, depth + 1) : pick(ODD_VALUES);
    }
    return copy;
  }
  return random() < 0.5 ? pick(ODD_VALUES) : value;
}

function mangleText(text: string, random: () => number): string {
  const roll = random();
  const at = Math.floor(random() * (text.length + 1));
  if (roll < 0.3) return text.slice(0, at);
  if (roll < 0.6)
    return text.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x10000)) + text.slice(at);
  if (roll < 0.8) return text.slice(0, at) + text.slice(at + 1);
  return '['.repeat(Math.floor(random() * 5000)) + text;
}

function expectWellFormed(result: ParseResult<unknown>): void {
  if (result.ok) return;
  expect(result.error).toBeInstanceOf(SpecSteerError);
  expect(isErrorCode(result.error.code)).toBe(true);
  expect(result.error.message.length).toBeGreaterThan(0);
}

describe('parsing random and mutated frames', () => {
  const seeds = [1, 2, 3];
  const examples = [...Object.values(validClientMessages), ...Object.values(validServerMessages)];

  it.each(seeds)(
    'never throws, and every refusal is a coded SpecSteerError (seed %i, 1,000 frames)',
    (seed) => {
      const random = seededRandom(seed);
      let accepted = 0;
      for (let i = 0; i < 1000; i++) {
        const example = examples[i % examples.length];
        let value: Json = example;
        const rounds = 1 + Math.floor(random() * 4);
        for (let r = 0; r < rounds; r++) value = mutate(value, random);
        let text = JSON.stringify(value) ?? 'undefined';
        if (random() < 0.25) text = mangleText(text, random);
        for (const parse of [parseClientFrame, parseServerFrame]) {
          let result: ParseResult<unknown> | undefined;
          expect(
            () => {
              result =
                parse === parseClientFrame
                  ? parseClientFrame(text, DEFAULT_LIMITS)
                  : parseServerFrame(text);
            },
            text.slice(0, 300),
          ).not.toThrow();
          expectWellFormed(result as ParseResult<unknown>);
          if (result?.ok) {
            accepted++;
            // What parsed re-encodes and parses again: the two halves agree.
            const again = parse(encodeFrame(result.message as Parameters<typeof encodeFrame>[0]));
            expect(again.ok).toBe(true);
          }
        }
      }
      // The mutations must not be so wild that nothing gets through.
      expect(accepted).toBeGreaterThan(50);
    },
  );

  it('never throws on arbitrary non-JSON and non-string input', () => {
    const random = seededRandom(99);
    const inputs: unknown[] = [undefined, null, 42, {}, [], new ArrayBuffer(8), Symbol('s')];
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(random() * 200);
      inputs.push(
        Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 0x10000))).join(''),
      );
    }
    for (const input of inputs) {
      expect(() => expectWellFormed(parseClientFrame(input))).not.toThrow();
      expect(() => expectWellFormed(parseServerFrame(input))).not.toThrow();
    }
  });
});
