// Baseline "token-level fusion" of docs/design.md §2 (CoSteer-style): sample π
// exactly, one network round trip per token. It is the SpecSteer loop with
// k = 0: each `draft` carries only the last token, the verdict is the
// correction at the next position, and the device samples π̂ from it with its
// own q and s (the bonus step of sampledCommit; argmax π̂ in greedy mode).
// Same protocol, same server code.

import type { GenerationResult } from '../session/generationResult.ts';
import { runSpecSteer, type SpecSteerSessionOptions } from '../session/specSteerSession.ts';

export type TokenFusionOptions = Omit<SpecSteerSessionOptions, 'draftTokens' | 'method'>;

export function runTokenFusion(options: TokenFusionOptions): Promise<GenerationResult> {
  return runSpecSteer({ ...options, draftTokens: 0, method: 'token-fusion' });
}
