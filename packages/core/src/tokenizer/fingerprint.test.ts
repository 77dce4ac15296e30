import { describe, expect, it } from 'vitest';
import {
  TOKENIZER_PROBE_TEXTS,
  TokenizerFingerprintError,
  fingerprintTokenizer,
  tokenizerFingerprint,
} from './fingerprint.ts';

/** A byte-level tokenizer: one token per UTF-8 byte. */
const byteTokenize = (text: string) => [...new TextEncoder().encode(text)];
/** A different tokenizer over the same vocabulary: bytes shifted by one. */
const shiftedTokenize = (text: string) => byteTokenize(text).map((b) => (b + 1) % 256);

describe('tokenizer fingerprint', () => {
  it('probes words, chat markers, digits, punctuation, accents, CJK and emoji', () => {
    const all = TOKENIZER_PROBE_TEXTS.join(' ');
    expect(TOKENIZER_PROBE_TEXTS.length).toBe(12);
    for (const marker of ['<|history|>', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>']) {
      expect(all).toContain(marker);
    }
    expect(all).toMatch(/\d/);
    expect(all).toMatch(/é/);
    expect(all).toMatch(/\p{Script=Han}/u);
    expect(all).toMatch(/\p{Extended_Pictographic}/u);
  });

  it('is a stable 16-hex-digit hash: the same tokenizer gives the same value, sync or async', async () => {
    const a = await fingerprintTokenizer(256, byteTokenize);
    const b = await fingerprintTokenizer(256, async (text) => byteTokenize(text));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toBe(b);
    // Pinned: a change here means every deployed fingerprint changes.
    expect(a).toBe('7375147d714cf961');
    expect(tokenizerFingerprint(256, TOKENIZER_PROBE_TEXTS.map(byteTokenize))).toBe(a);
  });

  it('differs when the tokenization or the vocabulary size differs', async () => {
    const base = await fingerprintTokenizer(256, byteTokenize);
    expect(await fingerprintTokenizer(256, shiftedTokenize)).not.toBe(base);
    expect(await fingerprintTokenizer(257, byteTokenize)).not.toBe(base);
    // Same ids split differently across probes must not collide either.
    const probes = TOKENIZER_PROBE_TEXTS.map(byteTokenize);
    const moved = probes.map((ids) => [...ids]);
    moved[1]!.unshift(moved[0]!.pop()!);
    expect(tokenizerFingerprint(256, moved)).not.toBe(base);
  });

  it('refuses ids outside the vocabulary and a wrong number of probes', () => {
    const probes = TOKENIZER_PROBE_TEXTS.map(byteTokenize);
    expect(() => tokenizerFingerprint(100, probes)).toThrow(TokenizerFingerprintError);
    expect(() => tokenizerFingerprint(256, probes.slice(1))).toThrow(/expected 12/);
    expect(() => tokenizerFingerprint(256, [[-1], ...probes.slice(1)])).toThrow(/probe 0 token 0/);
  });
});
