import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-usage-error.ts';
import { parseGenerateArgs } from './parse-generate-args.ts';

describe('parseGenerateArgs', () => {
  it('reads every option and applies the defaults', () => {
    const args = parseGenerateArgs([
      '--prompt',
      'Write a note',
      '--history',
      'h.txt',
      '--seed',
      '3',
    ]);
    expect(args).toMatchObject({
      prompt: 'Write a note',
      historyPath: 'h.txt',
      k: 8,
      seed: 3,
      seedGiven: true,
      maxTokens: 96,
      topK: 20,
    });
    expect(args.server).toBeUndefined();
    // Without --seed the device's randomness is a fresh secret, never derived from the seed sent.
    expect(parseGenerateArgs(['--prompt', 'x']).seedGiven).toBe(false);
    const full = parseGenerateArgs([
      '--prompt=x',
      '--server',
      'ws://h:1/v1',
      '--api-key',
      'k',
      '--k',
      '4',
      '--temperature',
      '0',
      '--max-tokens',
      '10',
      '--top-k',
      '5',
      '--no-color',
    ]);
    expect(full).toMatchObject({
      server: 'ws://h:1/v1',
      apiKey: 'k',
      k: 4,
      temperature: 0,
      maxTokens: 10,
      topK: 5,
      color: false,
    });
  });

  it.each([
    [[], /--prompt is required/],
    [['--prompt', 'x', '--k', '0'], /--k is "0"/],
    [['--prompt', 'x', '--k', '2.5'], /--k/],
    [['--prompt', 'x', '--temperature', 'hot'], /--temperature/],
    [['--prompt', 'x', '--server', 'http://h'], /ws:\/\//],
    [['--prompt', 'x', '--bogus'], /bogus/],
    [['--prompt', 'x', '--log-level', 'loud'], /--log-level/],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseGenerateArgs(argv as string[])).toThrow(CliUsageError);
    expect(() => parseGenerateArgs(argv as string[])).toThrow(message);
  });
});
