import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../../config/schema.ts';

// Looks up verifier API keys without leaking, through timing, how much of a
// guess was right: keys are compared as fixed-length SHA-256 digests.

export interface Caller {
  /** Rate-limit bucket and log label: `key:<name or #index>` or `addr:<remote address>`; never the key. */
  readonly id: string;
  readonly apiKey?: ApiKey;
}

export class ApiKeyRegistry {
  private readonly entries: { digest: Buffer; key: ApiKey; label: string }[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((key, index) => ({
      digest: digest(key.key),
      key,
      label: key.name ?? `#${index + 1}`,
    }));
  }

  /** An open server (no keys configured) lets everyone in. */
  get open(): boolean {
    return this.entries.length === 0;
  }

  /** The caller for a presented key, or undefined when the key is not one of ours. */
  authenticate(presented: string): Caller | undefined {
    const presentedDigest = digest(presented);
    let found: Caller | undefined;
    // Compare with every entry so that the time does not depend on which one matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presentedDigest) && found === undefined) {
        found = { id: `key:${entry.label}`, apiKey: entry.key };
      }
    }
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
