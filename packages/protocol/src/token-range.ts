// The semantic half of "token ids are integers in range": the schemas check
// 0 ≤ id < 2^31; only after `welcome` is the vocabulary size known.

import { ErrorCode, SpecSteerError } from './errors.ts';
import { promptTokenIds, type ClientMessage, type ServerMessage } from './messages/index.ts';
import { whereOf } from './error-location.ts';
import { formatPath } from './issue-path.ts';

type TokenField = { path: (string | number)[]; ids: readonly number[] };

function tokenFields(message: ClientMessage | ServerMessage): TokenField[] {
  switch (message.type) {
    case 'open':
    case 'resume': {
      const fields: TokenField[] = [
        { path: ['sampling', 'stopTokens'], ids: message.sampling.stopTokens },
      ];
      const promptTokens = promptTokenIds(message.prompt);
      if (promptTokens !== undefined)
        fields.push({ path: ['prompt', 'tokens'], ids: promptTokens });
      if (message.type === 'resume')
        fields.push({ path: ['committedTokens'], ids: message.committedTokens });
      return fields;
    }
    case 'draft':
      return [
        ...(message.committed !== undefined
          ? [{ path: ['committed'], ids: message.committed }]
          : []),
        { path: ['tokens'], ids: message.tokens },
      ];
    case 'close':
      return message.committed !== undefined
        ? [{ path: ['committed'], ids: message.committed }]
        : [];
    case 'opened':
      return message.promptTokenIds !== undefined
        ? [{ path: ['promptTokenIds'], ids: message.promptTokenIds }]
        : [];
    case 'verdict':
      return (message.corrections ?? []).flatMap((correction, i) => [
        { path: ['corrections', i, 'ids'], ids: correction.ids },
        ...(correction.tailSample != null
          ? [{ path: ['corrections', i, 'tailSample'], ids: [correction.tailSample] }]
          : []),
      ]);
    default:
      return [];
  }
}

/**
 * Returns TOKEN_OUT_OF_RANGE naming the first token id ≥ `vocabSize` in the
 * message (e.g. "draft.tokens[3]: token id 70000 is not below the vocabulary
 * size 32000"), or null when every id is in range.
 */
export function checkTokenRange(
  message: ClientMessage | ServerMessage,
  vocabSize: number,
): SpecSteerError | null {
  for (const field of tokenFields(message)) {
    const index = field.ids.findIndex((id) => id >= vocabSize);
    if (index < 0) continue;
    const single = field.path.at(-1) === 'tailSample';
    const path = formatPath(message.type, single ? field.path : [...field.path, index]);
    const id = field.ids[index];
    return new SpecSteerError(
      ErrorCode.TOKEN_OUT_OF_RANGE,
      `${path}: token id ${id} is not below the vocabulary size ${vocabSize}`,
      { path, tokenId: id, vocabSize },
      whereOf(message),
    );
  }
  return null;
}
