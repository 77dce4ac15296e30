// Per-run metrics with one shape for SpecSteer and every baseline
// (docs/design.md §2 "Baselines"), so the benchmark compares like with like.

import type { Clock } from './clock.ts';

export type GenerationMethod =
  'specsteer' | 'cloud-only' | 'local-only' | 'token-fusion' | 'exact-fusion';

export interface RunMetrics {
  method: GenerationMethod;
  /** Tokens emitted (committed output, stop token included when one ended the run). */
  tokens: number;
  /** Verification rounds (a `draft` → `verdict` exchange each); 0 for local-only. */
  rounds: number;
  /** Draft tokens sent per round. */
  draftedPerRound: number[];
  /** Draft tokens the cloud accepted per round. */
  acceptedPerRound: number[];
  /** accepted / drafted over the run (0 when nothing was drafted). */
  acceptanceRate: number;
  /**
   * Network exchanges the device waited on: 1 for the connection setup (hello
   * and open are pipelined), then 1 per round; cloud-only is 1 (one streamed
   * request), local-only 0. Each reconnect adds its setup exchange.
   */
  roundTrips: number;
  /** Time the device spent in the drafter (q, and s on the public context). */
  draftingMs: number;
  /** Time the device spent deciding each round after its verdict: acceptance test and recovery. */
  recoveringMs: number;
  /** Wall time waiting for the cloud minus the cloud's own reported verify time. */
  networkMs: number;
  /** Verify time the server reported in its verdicts (0 when it reported none). */
  verifyingMs: number;
  /** Wall time of the whole run, handshake to close. */
  totalMs: number;
  /** tokens / totalMs in seconds (0 for an empty or instantaneous run). */
  tokensPerSecond: number;
  /** Times the client reconnected and resumed. */
  resumes: number;
  /**
   * Pipeline mode only: rounds whose draft was made while the previous
   * verdict travelled (its guess came true). Drafting then overlaps network
   * time, so draftingMs + networkMs can exceed totalMs.
   */
  pipelinedRounds?: number;
  /**
   * Draft tokens sent to the verifier that are not the output token at their
   * position — what the server saw and no reader of the answer ever does
   * (docs/design.md, "Privacy boundary"); out of the sum of draftedPerRound.
   * 0 for methods that send no drafts.
   */
  unseenDrafts: number;
}

/** Counts of rounds by accepted draft tokens: `histogram[a]` rounds accepted exactly a. */
export function acceptedHistogram(acceptedPerRound: readonly number[]): number[] {
  if (acceptedPerRound.length === 0) return [];
  const histogram: number[] = new Array<number>(Math.max(...acceptedPerRound) + 1).fill(0);
  for (const accepted of acceptedPerRound) histogram[accepted]!++;
  return histogram;
}

/** Accumulates the timings and counts of one run as it happens. */
export class RunMetricsRecorder {
  private readonly started: number;
  private readonly drafted: number[] = [];
  private readonly accepted: number[] = [];
  private draftingMs = 0;
  private recoveringMs = 0;
  private waitingMs = 0;
  private verifyingMs = 0;
  private roundTrips = 0;
  private resumes = 0;

  constructor(
    private readonly method: GenerationMethod,
    private readonly now: Clock,
  ) {
    this.started = now();
  }

  /** Time `work` as device-side drafting/recovery. */
  async drafting<T>(work: () => Promise<T> | T): Promise<T> {
    const start = this.now();
    try {
      return await work();
    } finally {
      this.draftingMs += this.now() - start;
    }
  }

  /** Time `work` as the device's acceptance test and recovery after a verdict. */
  async recovering<T>(work: () => Promise<T> | T): Promise<T> {
    const start = this.now();
    try {
      return await work();
    } finally {
      this.recoveringMs += this.now() - start;
    }
  }

  /** Time a request/response exchange with the cloud (counts one round trip). */
  async exchange<T>(work: () => Promise<T>): Promise<T> {
    const start = this.now();
    this.roundTrips++;
    try {
      return await work();
    } finally {
      this.waitingMs += this.now() - start;
    }
  }

  /** One verification round; `serverVerifyMs` is the server's own timing when it sent one. */
  round(drafted: number, accepted: number, serverVerifyMs?: number): void {
    this.drafted.push(drafted);
    this.accepted.push(accepted);
    if (serverVerifyMs !== undefined && Number.isFinite(serverVerifyMs) && serverVerifyMs >= 0) {
      this.verifyingMs += serverVerifyMs;
    }
  }

  /** Cloud compute time measured outside a verdict (cloud-only streams its whole answer in one exchange). */
  serverTime(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.verifyingMs += ms;
  }

  resumed(): void {
    this.resumes++;
  }

  finish(tokens: number): RunMetrics {
    const totalMs = this.now() - this.started;
    const drafted = this.drafted.reduce((a, b) => a + b, 0);
    const accepted = this.accepted.reduce((a, b) => a + b, 0);
    return {
      method: this.method,
      tokens,
      rounds: this.accepted.length,
      draftedPerRound: [...this.drafted],
      acceptedPerRound: [...this.accepted],
      acceptanceRate: drafted === 0 ? 0 : accepted / drafted,
      roundTrips: this.roundTrips,
      draftingMs: this.draftingMs,
      recoveringMs: this.recoveringMs,
      // Verify time is reported by the server, measured on its clock: never more than what we waited.
      networkMs: Math.max(0, this.waitingMs - this.verifyingMs),
      verifyingMs: Math.min(this.verifyingMs, this.waitingMs),
      totalMs,
      tokensPerSecond: totalMs > 0 ? (tokens * 1000) / totalMs : 0,
      resumes: this.resumes,
      unseenDrafts: 0,
    };
  }
}
