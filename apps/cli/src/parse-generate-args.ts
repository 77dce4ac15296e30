import { parseArgs } from 'node:util';
import { CliUsageError } from './cli-usage-error.ts';

export interface GenerateArgs {
  /** Private history file (stays on this machine). */
  historyPath: string | undefined;
  /** The public request. */
  prompt: string;
  /** Optional public system prompt. */
  system: string | undefined;
  /** ws:// or wss:// URL of a running verifier; absent = start the embedded one in process. */
  server: string | undefined;
  apiKey: string | undefined;
  /** Draft tokens per round. */
  k: number;
  temperature: number;
  seed: number;
  /** Whether --seed was given: only then is the device's randomness derived from it (a replayable run). */
  seedGiven: boolean;
  maxTokens: number;
  topK: number;
  /** Device model: drafts q and computes s on the public context. */
  smallModel: string | undefined;
  /** The embedded verifier's target p. */
  largeModel: string | undefined;
  /** Colours: forced on/off, or auto (a TTY and no NO_COLOR). */
  color: boolean | undefined;
  /** Write every frame sent and received as JSON lines here (debugging, privacy checks). */
  traceFrames: string | undefined;
  /** The embedded verifier's log level (its logs go to stderr). */
  logLevel: string;
}

export const GENERATE_USAGE = `usage: specsteer generate --prompt TEXT [options]

  --prompt TEXT          the public request (required)
  --history FILE         your past messages, one per line or a JSON array (private: never sent)
  --system TEXT          a public system prompt
  --server URL           a running verifier (ws://host:port/…); default: start one in this process
  --api-key KEY          the verifier's API key (sent as a bearer header)
  --k N                  draft tokens per round (default 8)
  --temperature T        0 = greedy (default 0.7)
  --seed N               replayable run: the device's and the verifier's randomness from N
                         (default: a random verification seed and a fresh device secret)
  --max-tokens N         output tokens at most (default 96)
  --top-k N              size of the cloud's correction (default 20)
  --small-model FILE     device model GGUF (default models/specsteer-small.gguf, else data/interim/small.gguf)
  --large-model FILE     embedded verifier's target GGUF (default models/specsteer-large.gguf, else data/interim/large.gguf)
  --color / --no-color   force ANSI colours on or off (default: on for a terminal)
  --trace-frames FILE    write every protocol frame sent and received to FILE (JSON lines)
  --log-level LEVEL      embedded verifier's log level on stderr (default error)`;

function number(
  name: string,
  raw: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  expected: string,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new CliUsageError(`--${name} is "${raw}"; expected ${expected}`);
  }
  return value;
}

const isInt = (min: number, max: number) => (n: number) =>
  Number.isInteger(n) && n >= min && n <= max;

/** Parse `generate`'s options (argv after the command name). */
export function parseGenerateArgs(argv: readonly string[]): GenerateArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        prompt: { type: 'string' },
        history: { type: 'string' },
        system: { type: 'string' },
        server: { type: 'string' },
        'api-key': { type: 'string' },
        k: { type: 'string' },
        temperature: { type: 'string' },
        seed: { type: 'string' },
        'max-tokens': { type: 'string' },
        'top-k': { type: 'string' },
        'small-model': { type: 'string' },
        'large-model': { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        'trace-frames': { type: 'string' },
        'log-level': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  if (values.prompt === undefined || values.prompt.trim() === '') {
    throw new CliUsageError('--prompt is required: the public request to answer');
  }
  if (values.server !== undefined && !/^wss?:\/\/\S+$/.test(values.server)) {
    throw new CliUsageError(`--server is "${values.server}"; expected a ws:// or wss:// URL`);
  }
  if (values.server !== undefined && values['large-model'] !== undefined) {
    throw new CliUsageError(
      '--large-model is for the embedded verifier; a --server has its own models',
    );
  }
  const logLevel = values['log-level'] ?? 'error';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new CliUsageError(
      `--log-level is "${logLevel}"; expected fatal, error, warn, info, debug, trace or silent`,
    );
  }
  return {
    historyPath: values.history,
    prompt: values.prompt,
    system: values.system,
    server: values.server,
    apiKey: values['api-key'],
    k: number('k', values.k, 8, isInt(1, 64), 'an integer from 1 to 64'),
    temperature: number(
      'temperature',
      values.temperature,
      0.7,
      (n) => n >= 0 && n <= 100,
      'a number from 0 to 100',
    ),
    seedGiven: values.seed !== undefined,
    seed: number(
      'seed',
      values.seed,
      Math.floor(Math.random() * 2 ** 32),
      isInt(0, 2 ** 32 - 1),
      'an integer from 0 to 4294967295',
    ),
    maxTokens: number(
      'max-tokens',
      values['max-tokens'],
      96,
      isInt(1, 32_768),
      'an integer from 1 to 32768',
    ),
    topK: number('top-k', values['top-k'], 20, isInt(1, 256), 'an integer from 1 to 256'),
    smallModel: values['small-model'],
    largeModel: values['large-model'],
    color: values['no-color'] ? false : values.color ? true : undefined,
    traceFrames: values['trace-frames'],
    logLevel,
  };
}
