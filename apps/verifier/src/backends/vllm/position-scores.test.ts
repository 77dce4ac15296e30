import { describe, expect, it } from 'vitest';
import { VllmShapeError, positionScores } from './position-scores.ts';
import { CompletionResponseSchema, parseVllmErrorBody } from './vllm-wire.ts';

// Written the way vLLM serializes a completion with prompt_logprobs = 2 and
// logprobs = 2 for the prompt [1, 7, 5]: prompt entries keyed by id strings,
// the actual token first; the generated token's entries keyed token_id:N.
const RESPONSE_TEXT = `{
  "id": "cmpl-1", "object": "text_completion", "created": 1, "model": "m",
  "choices": [{
    "index": 0, "text": "x", "finish_reason": "length", "stop_reason": null,
    "logprobs": {
      "text_offset": [0], "token_logprobs": [-0.2], "tokens": ["token_id:9"],
      "top_logprobs": [{"token_id:9": -0.2, "token_id:4": -1.9, "token_id:3": -2.5}]
    },
    "prompt_logprobs": [
      null,
      {"7": {"logprob": -0.5, "rank": 1, "decoded_token": "a"}, "2": {"logprob": -1.2, "rank": 2, "decoded_token": "b"}},
      {"5": {"logprob": -9999.0, "rank": 6, "decoded_token": "c"}, "8": {"logprob": -0.1, "rank": 1, "decoded_token": "d"}, "6": {"logprob": -2.4, "rank": 2, "decoded_token": "e"}}
    ]
  }],
  "usage": {"prompt_tokens": 3, "total_tokens": 4, "completion_tokens": 1}
}`;

const response = () => CompletionResponseSchema.parse(JSON.parse(RESPONSE_TEXT));
const prompt = [1, 7, 5];

describe('vLLM prompt_logprobs to position scores', () => {
  it('gives one score per position from `from` to the end, the last from the generated token', () => {
    const scores = positionScores(response(), prompt, 1, 2);
    expect(scores).toHaveLength(3);
    expect(scores[2]!.tokenLogprob).toBeNull();
    expect(positionScores(response(), prompt, 2, 2)).toEqual(scores.slice(1));
    expect(positionScores(response(), prompt, 3, 2)).toEqual(scores.slice(2));
  });

  it('reads K entries when the prompt token is in the top K', () => {
    const [first] = positionScores(response(), prompt, 1, 2);
    expect(first).toEqual({ top: { ids: [7, 2], logprobs: [-0.5, -1.2] }, tokenLogprob: -0.5 });
  });

  it('keeps the prompt token out of the top K when vLLM sent it as the K+1-th entry', () => {
    const second = positionScores(response(), prompt, 2, 2)[0]!;
    expect(second.top).toEqual({ ids: [8, 6], logprobs: [-0.1, -2.4] });
  });

  it('reads −9999 as zero probability', () => {
    const second = positionScores(response(), prompt, 2, 2)[0]!;
    expect(second.tokenLogprob).toBe(Number.NEGATIVE_INFINITY);
    expect(Math.exp(second.tokenLogprob!)).toBe(0);
  });

  it('cuts the generated token’s K+1 entries to the K most likely, keyed by token id', () => {
    const last = positionScores(response(), prompt, 3, 2)[0]!;
    expect(last.top).toEqual({ ids: [9, 4], logprobs: [-0.2, -1.9] });
  });

  it('refuses top_logprobs keyed by decoded text and says which flag fixes it', () => {
    const json = JSON.parse(RESPONSE_TEXT);
    json.choices[0].logprobs.top_logprobs = [{ x: -0.2, y: -1.9 }];
    expect(() => positionScores(CompletionResponseSchema.parse(json), prompt, 1, 2)).toThrow(
      /--return-tokens-as-token-ids/,
    );
  });

  it('refuses prompt_logprobs that do not describe the prompt that was sent', () => {
    expect(() => positionScores(response(), [1, 7, 5, 5], 1, 2)).toThrow(
      /3 entries for a 4-token prompt/,
    );
    expect(() => positionScores(response(), [1, 3, 5], 1, 2)).toThrow(/lacks the prompt token 3/);
    const json = JSON.parse(RESPONSE_TEXT);
    delete json.choices[0].prompt_logprobs;
    expect(() => positionScores(CompletionResponseSchema.parse(json), prompt, 1, 2)).toThrow(
      VllmShapeError,
    );
  });
});

describe('vLLM error bodies', () => {
  it('reads the nested shape of newer servers', () => {
    const body = {
      error: {
        message: 'Requested prompt logprobs of 21',
        type: 'BadRequestError',
        param: 'prompt_logprobs',
        code: 400,
      },
    };
    expect(parseVllmErrorBody(body)).toMatchObject({
      message: 'Requested prompt logprobs of 21',
      type: 'BadRequestError',
    });
  });

  it('reads the flat shape of older servers', () => {
    const body = {
      object: 'error',
      message: 'The model `x` does not exist.',
      type: 'NotFoundError',
      param: null,
      code: 404,
    };
    expect(parseVllmErrorBody(body)).toMatchObject({
      message: 'The model `x` does not exist.',
      type: 'NotFoundError',
    });
  });

  it('reads the bare body of the API-key middleware, and nothing else', () => {
    expect(parseVllmErrorBody({ error: 'Unauthorized' })).toEqual({ message: 'Unauthorized' });
    expect(parseVllmErrorBody({ detail: 'Not Found' })).toBeUndefined();
    expect(parseVllmErrorBody('oops')).toBeUndefined();
  });
});
