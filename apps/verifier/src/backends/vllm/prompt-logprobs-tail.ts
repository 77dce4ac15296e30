// vLLM returns prompt_logprobs for every position of the sequence, though a
// round needs only the last k+1: for a 1,000-token sequence at K = 20 that is
// ~1.3 MB of JSON per model per round, and JSON.parse would build ~20,000
// objects on the event loop to throw all but ~200 away. This reads the body
// as text instead: one pass that only tracks strings and nesting finds where
// each entry of the prompt_logprobs array starts and ends, and only the
// entries from `from` on (plus entry 0) are parsed. The rest of the body is
// parsed normally with the array emptied.

export class PromptLogprobsTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptLogprobsTextError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Index just past the JSON string whose opening quote is at `at`. */
function skipString(text: string, at: number): number {
  let quote = text.indexOf('"', at + 1);
  while (quote !== -1) {
    // Escaped when preceded by an odd number of backslashes.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  throw new PromptLogprobsTextError('unterminated string');
}

/** Index just past the JSON value (object, array, string or literal) starting at `at`. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return skipString(text, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A literal (null, number, true, false) ends at the next delimiter.
    let i = at;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === COMMA || code === CLOSE_BRACKET || code === CLOSE_BRACE || isSpace(code)) break;
      i++;
    }
    if (i === at) throw new PromptLogprobsTextError(`no value at character ${at}`);
    return i;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) i = skipString(text, i) - 1;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new PromptLogprobsTextError('unterminated object or array');
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

export interface ParsedScoringBody {
  /** The body with `prompt_logprobs` emptied, parsed. */
  envelope: unknown;
  /**
   * `prompt_logprobs` as vLLM sent it, except that entries 1 .. from-1 are
   * left as holes (never parsed); undefined when the body has no such array.
   */
  promptLogprobs: unknown[] | undefined;
}

/**
 * Parse a vLLM completion body, keeping of `choices[0].prompt_logprobs` only
 * entry 0 and the entries from `from` on. Throws PromptLogprobsTextError on
 * text that is not the JSON it claims to be.
 */
export function parseScoringBody(text: string, from: number): ParsedScoringBody {
  // In JSON text a key can only appear as itself: inside strings, quotes are escaped.
  const key = /"prompt_logprobs"\s*:\s*\[/g;
  const match = key.exec(text);
  if (match === null) return { envelope: parseJson(text), promptLogprobs: undefined };

  const arrayStart = match.index + match[0].length - 1;
  const entries: unknown[] = [];
  let i = skipSpace(text, arrayStart + 1);
  let index = 0;
  if (text.charCodeAt(i) !== CLOSE_BRACKET) {
    for (;;) {
      const start = i;
      const end = skipValue(text, start);
      if (index === 0 || index >= from) entries[index] = parseJson(text.slice(start, end));
      index++;
      i = skipSpace(text, end);
      const code = text.charCodeAt(i);
      if (code === CLOSE_BRACKET) break;
      if (code !== COMMA) throw new PromptLogprobsTextError(`expected , or ] at character ${i}`);
      i = skipSpace(text, i + 1);
    }
  }
  entries.length = index;
  const arrayEnd = i + 1;
  const envelope = parseJson(text.slice(0, arrayStart) + '[]' + text.slice(arrayEnd));
  return { envelope, promptLogprobs: entries };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PromptLogprobsTextError((error as Error).message);
  }
}
