import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plan, presetConfig, reduce } from '../src/harness.ts';
import { jsonlTasks, scoreTask } from '../src/inputs.ts';
import type { Condition, Sample } from '../src/methods.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('LongLaMP-style JSONL input', () => {
  it('reads input, reference and the private part from profile and history, keeping the last entries', () => {
    const path = file(
      'ok.jsonl',
      [
        JSON.stringify({
          id: 7,
          input: 'Write a title for this abstract.',
          output: 'Sparse drafts',
          profile: [{ title: 'On drafts', abstract: 'We draft.' }, 'likes short titles'],
          history: ['m1', 'm2', 'm3'],
        }),
        '',
        JSON.stringify({ input: 'Q', reference: 'A' }),
      ].join('\n'),
    );
    const tasks = jsonlTasks(path, 4);
    expect(tasks).toHaveLength(2);
    expect(tasks[0]).toEqual({
      id: '7',
      history: ['likes short titles', 'm1', 'm2', 'm3'],
      request: 'Write a title for this abstract.',
      reference: 'Sparse drafts',
    });
    expect(tasks[1]).toMatchObject({ id: 'line-3', history: [], request: 'Q', reference: 'A' });
    // Real data has no facts to check: only ROUGE-L is scored.
    expect(scoreTask('Sparse drafts', tasks[0]!)).toEqual({
      factAccuracy: null,
      personaRecall: null,
      rougeL: 1,
    });
  });

  it('names the file and line of a bad row', () => {
    expect(() => jsonlTasks(file('bad.jsonl', '{"input": "x"}\n'))).toThrow(
      /bad\.jsonl:1: needs string fields/,
    );
    expect(() => jsonlTasks(file('nojson.jsonl', 'not json\n'))).toThrow(
      /nojson\.jsonl:1: not JSON/,
    );
    expect(() => jsonlTasks(file('empty.jsonl', '\n'))).toThrow(/no tasks/);
  });
});

describe('plan and reduce', () => {
  it('plans every method in both modes, the networked ones at every RTT, and each sweep point', () => {
    const config = presetConfig('quick');
    const planned = plan(config);
    const count = (phase: string) => planned.filter((p) => p.phase === phase).length;
    expect(count('quality')).toBe(config.methods.length * 2);
    expect(count('latency')).toBe(4 * 2 * config.rtts.length);
    expect(count('k')).toBe(config.kSweep.length * 2);
    expect(count('alpha')).toBe(config.alphaSweep.length * 2);
    expect(count('temperature')).toBe(config.temperatureSweep.length);
    expect(count('topK')).toBe(config.topKSweep.length);
    expect(planned.find((p) => p.condition.method === 'token-fusion')!.condition.k).toBe(0);
    expect(planned.find((p) => p.condition.method === 'specsteer-adaptive')!.condition.k).toBe(
      config.adaptiveMaxK,
    );
  });

  it('turns samples into per-token and per-round numbers', () => {
    const condition: Condition = {
      method: 'specsteer',
      temperature: 1,
      k: 4,
      alpha: 1,
      topK: 20,
      rttMs: 50,
      jitterMs: 0,
      maxTokens: 96,
    };
    const sample = (tokens: number, rounds: number, drafted: number, accepted: number): Sample => ({
      task: 't',
      seed: 1,
      tokens,
      finish: 'stop',
      scores: { factAccuracy: 1, personaRecall: 0.5, rougeL: 0.5 },
      wallMs: 1000,
      modeled: false,
      rounds,
      drafted,
      accepted,
      unseenDrafts: drafted - accepted,
      draftingMs: 100,
      referenceMs: 20,
      recoveringMs: 2,
      targetMs: 80,
      networkMs: 500,
      injectedMs: 550,
      uplinkBytes: 300,
      downlinkBytes: 3000,
      pipelinedRounds: 0,
      meanDraft: drafted / rounds,
    });
    const result = reduce('latency', condition, [sample(20, 5, 20, 15), sample(10, 5, 20, 5)]);
    expect(result.tokens).toBe(30);
    expect(result.tokensPerSecond).toBeCloseTo(15);
    expect(result.roundTripsPer100Tokens).toBeCloseTo((100 * 10) / 30);
    expect(result.tokensPerRoundTrip).toBeCloseTo(3);
    expect(result.ratioToKPlus1).toBeCloseTo(3 / 5);
    expect(result.acceptance).toBeCloseTo(0.5);
    expect(result.discardedDraftShare).toBeCloseTo(0.5);
    expect(result.uplinkBytesPerToken).toBeCloseTo(20);
    expect(result.downlinkBytesPerToken).toBeCloseTo(200);
    expect(result.perRound).toMatchObject({
      wallMs: 200,
      draftingMs: 20,
      networkMs: 100,
      injectedMs: 50,
      targetMs: 16,
    });
    expect(result.quality).toEqual({ factAccuracy: 1, personaRecall: 0.5, rougeL: 0.5 });
  });
});
