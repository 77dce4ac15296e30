import { describe, expect, it } from 'vitest';
import { RunMetricsRecorder, acceptedHistogram } from './runMetrics.ts';

/** A clock the test moves by hand. */
function manualClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('run metrics', () => {
  it('splits waiting into network and server-reported verify time, drafting and recovery apart', async () => {
    const clock = manualClock();
    const recorder = new RunMetricsRecorder('specsteer', clock.now);
    await recorder.exchange(async () => clock.advance(5)); // hello
    await recorder.drafting(() => clock.advance(3));
    await recorder.exchange(async () => clock.advance(20));
    recorder.round(4, 3, 12);
    await recorder.drafting(() => clock.advance(2));
    await recorder.exchange(async () => clock.advance(10));
    await recorder.recovering(() => clock.advance(1));
    recorder.round(4, 0, 6);
    const metrics = recorder.finish(5);
    expect(metrics).toMatchObject({
      method: 'specsteer',
      tokens: 5,
      rounds: 2,
      draftedPerRound: [4, 4],
      acceptedPerRound: [3, 0],
      acceptanceRate: 3 / 8,
      roundTrips: 3,
      draftingMs: 5,
      recoveringMs: 1,
      verifyingMs: 18,
      networkMs: 35 - 18,
      totalMs: 41,
      tokensPerSecond: 5 / 0.041,
    });
  });

  it('ignores a missing or nonsensical server timing and counts time even when the work throws', async () => {
    const clock = manualClock();
    const recorder = new RunMetricsRecorder('token-fusion', clock.now);
    await expect(
      recorder.exchange(async () => {
        clock.advance(7);
        throw new Error('dropped');
      }),
    ).rejects.toThrow('dropped');
    recorder.round(0, 0);
    recorder.round(0, 0, Number.NaN);
    const metrics = recorder.finish(2);
    expect(metrics.verifyingMs).toBe(0);
    expect(metrics.networkMs).toBe(7);
    expect(metrics.acceptanceRate).toBe(0);
  });

  it('builds a histogram of accepted tokens per round', () => {
    expect(acceptedHistogram([0, 2, 2, 4])).toEqual([1, 0, 2, 0, 1]);
    expect(acceptedHistogram([])).toEqual([]);
  });
});
