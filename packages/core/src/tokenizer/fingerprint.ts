// An engine-independent identity of a tokenizer (docs/design.md §4 hello/welcome):
// vLLM cannot list its vocabulary, but every engine can tokenize, so client and
// server each tokenize the same probe texts and hash the ids with the vocabulary
// size. Equal hashes mean the drafter's tokens mean the same thing to the cloud.

import type { TokenId } from '../engine.ts';

/**
 * Fixed probes: plain words, every chat marker of the offline pair, digits,
 * punctuation, accented Latin, CJK and emoji (byte-fallback paths), leading and
 * repeated spaces. Changing this list changes every fingerprint: don't, unless
 * the protocol version changes too.
 */
export const TOKENIZER_PROBE_TEXTS: readonly string[] = [
  'The capital of Varnia is Tellor.',
  'Write a note to the team about the weather in the city.',
  '<|history|>Hey crew! Mochi ate my sock again. Onward, Dara<|end|>',
  '<|system|>Be brief.<|end|><|user|>Hi there<|end|><|assistant|>',
  '0 1 12 123 1234 3.14159 -42 2026-11-29 100%',
  'Wait... what?! (yes; no) [a, b] {c: d} "quoted" \'single\' #tag @name',
  'Café naïve résumé Ångström Straße Øresund façade',
  '東京は日本の首都です。北京欢迎你',
  '🙂🚀👩‍💻 ok 🎉',
  '  two leading spaces and   three inside',
  'camelCaseWord snake_case_word kebab-case-word URL https://example.org/a?b=c',
  'Ελληνικά кириллица עברית العربية',
];

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64 over a stream of unsigned 32-bit integers, each fed as 4 little-endian bytes. */
function fnv1a64(words: readonly number[]): string {
  let hash = FNV64_OFFSET;
  for (const word of words) {
    for (let shift = 0; shift < 32; shift += 8) {
      hash ^= BigInt((word >>> shift) & 0xff);
      hash = (hash * FNV64_PRIME) & MASK64;
    }
  }
  return hash.toString(16).padStart(16, '0');
}

export class TokenizerFingerprintError extends Error {
  readonly code = 'invalid_tokenizer_probe' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerFingerprintError';
  }
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TokenizerFingerprintError(`${what} is ${value}; expected an integer in [0, 2^32)`);
  }
  return value;
}

/**
 * Hash of the vocabulary size and the token ids of each probe text (in the
 * order of TOKENIZER_PROBE_TEXTS), as 16 hex digits. Ids are hashed as
 * tokenized, without BOS.
 */
export function tokenizerFingerprint(
  vocabSize: number,
  probeTokenIds: readonly (readonly TokenId[])[],
): string {
  if (probeTokenIds.length !== TOKENIZER_PROBE_TEXTS.length) {
    throw new TokenizerFingerprintError(
      `got ${probeTokenIds.length} tokenized probes; expected ${TOKENIZER_PROBE_TEXTS.length} (one per TOKENIZER_PROBE_TEXTS entry)`,
    );
  }
  const words: number[] = [checkU32(vocabSize, 'vocabSize'), probeTokenIds.length];
  probeTokenIds.forEach((ids, probe) => {
    words.push(ids.length);
    ids.forEach((id, i) => {
      checkU32(id, `probe ${probe} token ${i}`);
      if (id >= vocabSize) {
        throw new TokenizerFingerprintError(
          `probe ${probe} token ${i} is ${id}, outside the vocabulary of ${vocabSize}`,
        );
      }
      words.push(id);
    });
  });
  return fnv1a64(words);
}

/** Tokenize every probe with the engine's own tokenizer (no BOS) and fingerprint the result. */
export async function fingerprintTokenizer(
  vocabSize: number,
  tokenize: (text: string) => Promise<readonly TokenId[]> | readonly TokenId[],
): Promise<string> {
  const probeTokenIds: (readonly TokenId[])[] = [];
  for (const text of TOKENIZER_PROBE_TEXTS) probeTokenIds.push(await tokenize(text));
  return tokenizerFingerprint(vocabSize, probeTokenIds);
}
