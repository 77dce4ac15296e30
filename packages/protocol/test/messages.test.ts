import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  HARD_CAPS,
  SERVER_MESSAGE_TYPES,
  isClientMessage,
  isDraft,
  isServerMessage,
  isVerdict,
  parseClientFrame,
  parseServerFrame,
} from '../src/index.ts';
import { breakable, copy, frame, validClientMessages, validServerMessages } from './fixtures.ts';

function clientError(value: unknown) {
  const result = parseClientFrame(frame(value));
  if (result.ok) throw new Error(`expected ${frame(value)} to be refused`);
  return result.error;
}

function serverError(value: unknown) {
  const result = parseServerFrame(frame(value));
  if (result.ok) throw new Error(`expected ${frame(value)} to be refused`);
  return result.error;
}

describe('every message of the protocol', () => {
  it('has a valid example that parses, for each client message type', () => {
    const covered = new Set<string>();
    for (const message of Object.values(validClientMessages)) {
      const result = parseClientFrame(frame(message));
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(isClientMessage(message)).toBe(true);
      covered.add(message.type);
    }
    expect([...covered].sort()).toEqual([...CLIENT_MESSAGE_TYPES].sort());
  });

  it('has a valid example that parses, for each server message type', () => {
    const covered = new Set<string>();
    for (const message of Object.values(validServerMessages)) {
      const result = parseServerFrame(frame(message));
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(isServerMessage(message)).toBe(true);
      covered.add(message.type);
    }
    expect([...covered].sort()).toEqual([...SERVER_MESSAGE_TYPES].sort());
  });

  it('fills sampling defaults: no stop tokens (α and the device secret are not on the wire)', () => {
    const open = copy(validClientMessages.open) as Record<string, unknown>;
    open.sampling = { temperature: 1, seed: 0, topK: 1, maxTokens: 1 };
    const result = parseClientFrame(frame(open));
    expect(result.ok && result.message.type === 'open' && result.message.sampling).toEqual({
      temperature: 1,
      seed: 0,
      topK: 1,
      maxTokens: 1,
      stopTokens: [],
    });
  });

  it('lets unknown optional fields pass at every level, so newer clients can talk to older servers', () => {
    const draft = { ...copy(validClientMessages.draft), speculativeHint: 'x' };
    const open = breakable(validClientMessages.open);
    open.sampling.minP = 0.05;
    open.prompt.messages[0].name = 'ann';
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].entropy = 1.2;
    verdict.timing.queueMs = 3;
    for (const [parse, value] of [
      [parseClientFrame, draft],
      [parseClientFrame, open],
      [parseServerFrame, verdict],
    ] as const) {
      const result = parse(frame(value));
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
    const parsed = parseClientFrame(frame(draft));
    expect(parsed.ok && (parsed.message as Record<string, unknown>).speculativeHint).toBe('x');
  });

  it('refuses an unknown message type and a frame without one, naming what is allowed', () => {
    const unknown = clientError({ type: 'teleport', sessionId: 'chat-1' });
    expect(unknown.code).toBe('INVALID_MESSAGE');
    expect(unknown.message).toMatch(
      /^type: unknown message type "teleport"; a client sends one of hello, open/,
    );
    expect(clientError({ sessionId: 'chat-1' }).data?.path).toBe('type');
    // A server message is not a client message, and the other way round.
    expect(clientError(validServerMessages.verdict).data?.path).toBe('type');
    expect(serverError(validClientMessages.draft).data?.path).toBe('type');
  });

  it('refuses a prompt that is both messages and tokens, or neither', () => {
    const both = breakable(validClientMessages.open);
    both.prompt.tokens = [1, 2];
    expect(clientError(both).data?.path).toBe('open.prompt');
    const neither = breakable(validClientMessages.open);
    neither.prompt = {};
    expect(clientError(neither).code).toBe('INVALID_MESSAGE');
  });

  it('gives no field for private context: history, profile, snippets or q are just unknown fields', () => {
    // Not a privacy guarantee by itself (the client must not send them), but
    // nothing in the schema names or asks for private data.
    const text = JSON.stringify([validClientMessages, validServerMessages]);
    for (const word of ['history', 'profile', 'snippet', 'draftProb', 'q"'])
      expect(text).not.toContain(word);
  });
});

describe('refusals', () => {
  it('never quote what the frame said: a canary in a refused frame is not in the error frame', () => {
    const canary = 'CANARY-7f3e-private-history';
    const refusals = [
      { ...validClientMessages.open, prompt: { messages: [{ role: canary, content: canary }] } },
      {
        ...validClientMessages.open,
        prompt: { messages: [{ role: 'user', content: canary.repeat(3000) }] },
      },
      { ...validClientMessages.draft, tokens: [canary], note: canary },
      {
        ...validClientMessages.hello,
        protocolVersion: 7,
        apiKey: canary,
        tokenizerFingerprint: canary,
      },
      { ...validClientMessages.resume, committedTokens: canary },
    ].map(clientError);
    for (const error of refusals) expect(JSON.stringify(error.toFrame())).not.toContain('CANARY');
  });
});

describe('log-probabilities', () => {
  const withTarget = (values: unknown[]) => {
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].logprobs = values;
    return verdict;
  };

  it('accepts finite values ≤ 0 and null (probability zero / not reported)', () => {
    expect(parseServerFrame(frame(withTarget([0, -0.5, -700, null]))).ok).toBe(true);
  });

  it('refuses a positive log-probability', () => {
    const error = serverError(withTarget([-0.1, 0.2, -1, -2]));
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.message).toMatch(
      /^verdict\.corrections\[0\]\.logprobs\[1\]: expected a log-probability ≤ 0/,
    );
  });

  it('refuses a non-finite log-probability (1e999 parses to Infinity) and a string', () => {
    const text = frame(withTarget([-0.1, -0.2, -1, -2])).replace('-0.2', '-1e999');
    const result = parseServerFrame(text);
    expect(!result.ok && result.error.data?.path).toBe('verdict.corrections[0].logprobs[1]');
    expect(serverError(withTarget([-0.1, '-Infinity', -1, -2])).data?.path).toBe(
      'verdict.corrections[0].logprobs[1]',
    );
  });

  it('refuses a positive tail mass', () => {
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].tail = 0.5;
    expect(serverError(verdict).data?.path).toBe('verdict.corrections[0].tail');
  });
});

describe('the correction and the verdict', () => {
  it('refuses logprob arrays that are not one entry per id', () => {
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].logprobs.pop();
    const error = serverError(verdict);
    expect(error.data?.path).toBe('verdict.corrections[0].logprobs');
    expect(error.message).toMatch(/expected 4 entries, one per id \(got 3\)/);
  });

  it('refuses a duplicate id in the correction', () => {
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].ids[3] = 640;
    expect(serverError(verdict).data?.path).toBe('verdict.corrections[0].ids[3]');
  });

  it('refuses a tail sample on the support and a top count beyond the ids', () => {
    const onSupport = breakable(validServerMessages.verdict);
    onSupport.corrections[0].tailSample = 87;
    expect(serverError(onSupport).data?.path).toBe('verdict.corrections[0].tailSample');
    const tooMany = breakable(validServerMessages.verdict);
    tooMany.corrections[0].top = 5;
    expect(serverError(tooMany).data?.path).toBe('verdict.corrections[0].top');
  });

  it('has a correction exactly when it has no finish reason', () => {
    const finishedWithCorrection = { ...copy(validServerMessages.verdict), finish: 'length' };
    expect(serverError(finishedWithCorrection).data?.path).toBe('verdict.corrections');
    const unfinishedWithout = { ...copy(validServerMessages.finishedVerdict), finish: null };
    expect(serverError(unfinishedWithout).data?.path).toBe('verdict.corrections');
    expect(isVerdict({ ...copy(validServerMessages.verdict), finish: null })).toBe(true);
  });

  it('puts the corrections at the committed length and the positions after it', () => {
    const verdict = breakable(validServerMessages.verdict);
    verdict.corrections[0].position = 3;
    expect(serverError(verdict).data?.path).toBe('verdict.corrections[0].position');
    const greedy = breakable(validServerMessages.verdict);
    greedy.corrections.push({ ...copy(validServerMessages.verdict).corrections[0], position: 4 });
    expect(serverError(greedy).data?.path).toBe('verdict.corrections[1].position');
    greedy.corrections[1].position = 3;
    expect(parseServerFrame(frame(greedy)).ok).toBe(true);
  });
});

describe('bounds', () => {
  it('takes a draft of 0 tokens (token-level fusion) up to the hard cap, not one more', () => {
    expect(isDraft({ ...validClientMessages.draft, tokens: [] })).toBe(true);
    const max = Array.from({ length: HARD_CAPS.draftTokens }, (_, i) => i);
    expect(isDraft({ ...validClientMessages.draft, tokens: max })).toBe(true);
    const error = clientError({ ...validClientMessages.draft, tokens: [...max, 1] });
    expect(error.code).toBe('DRAFT_TOO_LONG');
    expect(error.data?.path).toBe('draft.tokens');
  });

  it('refuses prompts over the hard caps with PROMPT_TOO_LONG', () => {
    const tokens = breakable(validClientMessages.resume);
    tokens.prompt.tokens = new Array(HARD_CAPS.promptTokens + 1).fill(1);
    expect(clientError(tokens).code).toBe('PROMPT_TOO_LONG');
    const messages = breakable(validClientMessages.open);
    messages.prompt.messages = new Array(HARD_CAPS.messages + 1).fill({
      role: 'user',
      content: 'x',
    });
    expect(clientError(messages).code).toBe('PROMPT_TOO_LONG');
  });

  it('refuses message content over 64 Ki characters, naming the message', () => {
    const open = breakable(validClientMessages.open);
    open.prompt.messages.push({ role: 'user', content: 'x'.repeat(HARD_CAPS.contentChars + 1) });
    expect(clientError(open).data?.path).toBe('open.prompt.messages[1].content');
  });

  it('refuses topK outside 1..256, too many stop tokens, and a seed that is not a uint32', () => {
    const withSampling = (patch: Record<string, unknown>) => {
      const open = breakable(validClientMessages.open);
      Object.assign(open.sampling, patch);
      return clientError(open).data?.path;
    };
    expect(withSampling({ topK: 0 })).toBe('open.sampling.topK');
    expect(withSampling({ topK: HARD_CAPS.topK + 1 })).toBe('open.sampling.topK');
    expect(withSampling({ stopTokens: new Array(HARD_CAPS.stopTokens + 1).fill(2) })).toBe(
      'open.sampling.stopTokens',
    );
    expect(withSampling({ seed: 2 ** 32 })).toBe('open.sampling.seed');
    expect(withSampling({ seed: -1 })).toBe('open.sampling.seed');
    expect(withSampling({ temperature: -0.1 })).toBe('open.sampling.temperature');
  });

  it('refuses session ids that are empty, too long or not URL-safe', () => {
    for (const sessionId of ['', 'a'.repeat(65), 'chat 1', 'chat/1', '../x']) {
      expect(clientError({ ...validClientMessages.draft, sessionId }).data?.path).toBe(
        'draft.sessionId',
      );
    }
    expect(isDraft({ ...validClientMessages.draft, sessionId: 'a'.repeat(64) })).toBe(true);
  });
});
