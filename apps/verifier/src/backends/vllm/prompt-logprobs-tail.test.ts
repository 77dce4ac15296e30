import { describe, expect, it } from 'vitest';
import { PromptLogprobsTextError, parseScoringBody } from './prompt-logprobs-tail.ts';

/** Decoded tokens that would trip a careless scanner. */
const TRICKY = [
  '}',
  ']',
  '{"',
  '\\',
  '"',
  '\\"',
  ',',
  'é',
  '🙂',
  ' ',
  '[[',
  'null',
  '"prompt_logprobs":[',
];

function body(entries: unknown[], indent?: number): string {
  return JSON.stringify(
    {
      id: 'cmpl-1',
      object: 'text_completion',
      model: 'm',
      choices: [
        {
          index: 0,
          text: 'a } ] " \\ "prompt_logprobs":[ text',
          logprobs: {
            token_logprobs: [-0.1],
            tokens: ['token_id:3'],
            top_logprobs: [{ 'token_id:3': -0.1 }],
          },
          finish_reason: 'length',
          prompt_logprobs: entries,
          prompt_token_ids: null,
        },
      ],
      usage: { prompt_tokens: entries.length },
    },
    null,
    indent,
  );
}

function entry(ids: number[], seed: number): Record<string, unknown> {
  return Object.fromEntries(
    ids.map((id, i) => [
      String(id),
      { logprob: -0.5 * (i + 1), rank: i + 1, decoded_token: TRICKY[(seed + i) % TRICKY.length] },
    ]),
  );
}

function expectKeeps(text: string, from: number) {
  const full = JSON.parse(text) as { choices: { prompt_logprobs: unknown[] }[] };
  const expected = full.choices[0]!.prompt_logprobs;
  const { envelope, promptLogprobs } = parseScoringBody(text, from);
  expect(promptLogprobs).toHaveLength(expected.length);
  expected.forEach((value, i) => {
    if (i === 0 || i >= from) expect(promptLogprobs![i], `entry ${i}`).toEqual(value);
    else expect(i in promptLogprobs!, `entry ${i} is a hole`).toBe(false);
  });
  full.choices[0]!.prompt_logprobs = [];
  expect(envelope).toEqual(full);
}

describe('reading only the tail of prompt_logprobs', () => {
  const entries: unknown[] = [
    null,
    ...Array.from({ length: 12 }, (_, j) => entry([7 + j, 1, 2], j)),
  ];

  it('gives what JSON.parse gives for entry 0 and entries from `from` on, holes elsewhere', () => {
    for (const from of [1, 2, 5, 12, 13]) expectKeeps(body(entries), from);
  });

  it('reads pretty-printed bodies and strings full of brackets, quotes and backslashes', () => {
    for (const from of [1, 7, 13]) expectKeeps(body(entries, 2), from);
  });

  it('agrees with JSON.parse on random entries', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(random() * 20);
      const randomEntries: unknown[] = [null];
      for (let j = 1; j < n; j++) {
        const ids = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
          Math.floor(random() * 1000),
        );
        randomEntries.push(entry(ids, Math.floor(random() * 100)));
      }
      expectKeeps(
        body(randomEntries, random() < 0.5 ? undefined : 1),
        1 + Math.floor(random() * n),
      );
    }
  });

  it('passes a body without prompt_logprobs to JSON.parse whole', () => {
    const text = JSON.stringify({
      model: 'm',
      choices: [{ index: 0, text: 'x', prompt_logprobs: null }],
    });
    expect(parseScoringBody(text, 3)).toEqual({
      envelope: JSON.parse(text),
      promptLogprobs: undefined,
    });
  });

  it('refuses text that is not complete JSON', () => {
    const text = body(entries);
    expect(() => parseScoringBody(text.slice(0, text.length - 200), 3)).toThrow(
      PromptLogprobsTextError,
    );
    expect(() => parseScoringBody(text.replace('},{', '}{'), 3)).toThrow(PromptLogprobsTextError);
  });
});
