// The session's seeded randomness (docs/design.md §2: "u_i from a per-session seeded
// RNG"). Every draw comes from a stream named by (seed, round, purpose), so any
// verifier replica can recompute round r's u_i without stored RNG state, and a
// whole session is reproducible from its seed.

import { sampleCategorical } from './math/categorical.ts';
import { MathInputError } from './math/errors.ts';

/** What each stream is for: the server's ratio tests, the device's drafts and recoveries. */
export type StreamPurpose = 'verify' | 'draft' | 'recover' | (string & {});

export interface Rng {
  /** A float in [0, 1) with 53 random bits. */
  uniform(): number;
  /** A 32-bit unsigned integer. */
  nextUint32(): number;
  /** An index drawn with probability weights[i] / Σ weights. */
  categorical(weights: ArrayLike<number>): number;
}

function assertUint32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new MathInputError(
      'invalid_seed',
      `${field} must be an integer in [0, 2^32), got ${value}`,
    );
  }
}

/** murmur3's 32-bit finalizer: a bijection on uint32 that mixes every bit into every bit. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over the UTF-16 code units of a purpose name. */
function hashPurpose(purpose: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < purpose.length; i++) {
    h ^= purpose.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * xoshiro128** (Blackman & Vigna): 128-bit state, period 2^128 − 1, fast in
 * 32-bit JavaScript integer arithmetic.
 */
class Xoshiro128 implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    // The all-zero state is the one fixed point of the generator.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    // Let the state words, set from related keys, decorrelate before use.
    for (let i = 0; i < 8; i++) this.nextUint32();
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992; // (high·2^26 + low) / 2^53
  }

  categorical(weights: ArrayLike<number>): number {
    return sampleCategorical(weights, this.uniform());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The stream for one purpose in one round of one session. Its state words are
 * mix32 of the seed, the round and the purpose's hash (each with its own
 * constant), and mix32 is a bijection, so two different (seed, round, purpose)
 * triples get different states unless two purpose names share an FNV hash.
 */
export function rngStream(seed: number, round: number, purpose: StreamPurpose): Rng {
  assertUint32(seed, 'seed');
  assertUint32(round, 'round');
  const purposeHash = hashPurpose(purpose);
  return new Xoshiro128(
    mix32((seed ^ 0x9e3779b9) >>> 0),
    mix32((round ^ 0x85ebca6b) >>> 0),
    mix32((purposeHash ^ 0xc2b2ae35) >>> 0),
    mix32((seed + round + purposeHash + 0x27d4eb2f) >>> 0),
  );
}

/** One stream from a seed alone, for uses outside a session's rounds (tests, benchmarks). */
export function createRng(seed: number): Rng {
  return rngStream(seed, 0, 'default');
}

/**
 * The device's secret: 128 random bits that key its draft and recovery
 * streams and never leave the device (docs/design.md, "Privacy boundary").
 * The session seed travels in `open` and keys only the server's verification
 * stream, so a verifier cannot recompute the device's random choices.
 */
export type DeviceSecret = readonly [number, number, number, number];

/** A fresh secret from the platform's CSPRNG (Web Crypto: browsers, workers, Node ≥ 19). */
export function newDeviceSecret(): DeviceSecret {
  const words = new Uint32Array(4);
  globalThis.crypto.getRandomValues(words);
  return [words[0]!, words[1]!, words[2]!, words[3]!];
}

/**
 * A secret derived from a number, for reproducible runs (`--seed`): whoever
 * knows that number can replay the device, so use it for tests and
 * benchmarks, not for private use.
 */
export function deviceSecretFromSeed(seed: number): DeviceSecret {
  assertUint32(seed, 'seed');
  const rng = rngStream(seed, 0, 'device-secret');
  return [rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
}

/** The device's stream for one purpose ('draft', 'recover') in one round, keyed by its secret. */
export function deviceStream(secret: DeviceSecret, round: number, purpose: StreamPurpose): Rng {
  secret.forEach((word, i) => assertUint32(word, `secret[${i}]`));
  assertUint32(round, 'round');
  const purposeHash = hashPurpose(purpose);
  return new Xoshiro128(
    mix32((secret[0] ^ mix32((round ^ 0x85ebca6b) >>> 0)) >>> 0),
    mix32((secret[1] ^ purposeHash) >>> 0),
    mix32((secret[2] ^ mix32((round + purposeHash + 0x27d4eb2f) >>> 0)) >>> 0),
    mix32((secret[3] ^ 0x9e3779b9) >>> 0),
  );
}
