// The server's announced limits, checked on a message that already passed its
// schema (which enforces only HARD_CAPS). Same codes on every server.

import { ErrorCode, SpecSteerError } from './errors.ts';
import { whereOf } from './error-location.ts';
import { formatPath } from './issue-path.ts';
import type { Limits } from './limits.ts';
import { promptTokenIds, type ClientMessage, type Sampling } from './messages/index.ts';

export function checkLimits(message: ClientMessage, limits: Limits): SpecSteerError | null {
  const where = whereOf(message);
  const refuse = (
    code: ErrorCode,
    path: PropertyKey[],
    what: string,
    data: Record<string, unknown>,
  ) => {
    const at = formatPath(message.type, path);
    return new SpecSteerError(code, `${at}: ${what}`, { path: at, ...data }, where);
  };

  switch (message.type) {
    case 'draft':
      if (message.tokens.length > limits.maxDraftTokens) {
        return refuse(
          ErrorCode.DRAFT_TOO_LONG,
          ['tokens'],
          `${message.tokens.length} draft tokens; this server takes at most ${limits.maxDraftTokens}`,
          { maxDraftTokens: limits.maxDraftTokens },
        );
      }
      return null;
    case 'open':
    case 'resume': {
      const promptTokens = promptTokenIds(message.prompt);
      if (promptTokens !== undefined) {
        const n = promptTokens.length;
        if (n > limits.maxPromptTokens) {
          return refuse(
            ErrorCode.PROMPT_TOO_LONG,
            ['prompt', 'tokens'],
            `${n} prompt tokens; this server takes at most ${limits.maxPromptTokens}`,
            { maxPromptTokens: limits.maxPromptTokens },
          );
        }
      }
      const sampling = checkSampling(message.sampling, limits);
      if (sampling)
        return refuse(
          ErrorCode.INVALID_MESSAGE,
          ['sampling', sampling.field],
          sampling.what,
          sampling.data,
        );
      if (
        message.type === 'resume' &&
        message.committedTokens.length > message.sampling.maxTokens
      ) {
        return refuse(
          ErrorCode.INVALID_MESSAGE,
          ['committedTokens'],
          `${message.committedTokens.length} committed tokens exceed sampling.maxTokens ${message.sampling.maxTokens}`,
          { maxTokens: message.sampling.maxTokens },
        );
      }
      return null;
    }
    default:
      return null;
  }
}

function checkSampling(sampling: Sampling, limits: Limits) {
  if (sampling.topK > limits.maxTopK) {
    return {
      field: 'topK',
      what: `topK ${sampling.topK} is above this server's maxTopK ${limits.maxTopK}`,
      data: { maxTopK: limits.maxTopK },
    };
  }
  if (sampling.maxTokens > limits.maxTokens) {
    return {
      field: 'maxTokens',
      what: `maxTokens ${sampling.maxTokens} is above this server's maxTokens ${limits.maxTokens}`,
      data: { maxTokens: limits.maxTokens },
    };
  }
  return null;
}
