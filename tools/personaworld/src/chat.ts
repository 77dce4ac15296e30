/**
 * The chat format shared by training and inference (fixed by the lead):
 * history blocks first (device only), then chat turns; single-line, printable ASCII.
 */
export const MARKERS = {
  history: '<|history|>',
  system: '<|system|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
  end: '<|end|>',
} as const;

export function historyBlocks(history: readonly string[]): string {
  return history.map((message) => `${MARKERS.history}${message}${MARKERS.end}`).join('');
}

/** The public prompt the cloud sees: ends with the assistant marker. */
export function publicPrompt(request: string): string {
  return `${MARKERS.user}${request}${MARKERS.end}${MARKERS.assistant}`;
}

export function chatDocument(history: readonly string[], request: string, answer: string): string {
  return `${historyBlocks(history)}${publicPrompt(request)}${answer}${MARKERS.end}`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Throws when a piece of content (not a whole document) breaks the single-line ASCII, marker-free rule. */
export function assertCleanContent(text: string, where: string): void {
  if (!PRINTABLE_ASCII.test(text))
    throw new Error(`${where}: non-printable or non-ASCII character in ${JSON.stringify(text)}`);
  if (text.includes('<|'))
    throw new Error(`${where}: marker-like text in content ${JSON.stringify(text)}`);
}

/** The device's context: private history blocks, then exactly the public prompt the cloud scores. */
export function devicePrompt(history: readonly string[], request: string): string {
  return `${historyBlocks(history)}${publicPrompt(request)}`;
}
