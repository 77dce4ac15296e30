// The chat format of the offline model pair (the lead's SHARED FACT, also in
// models/ and tools/): private history blocks first, then the public turns,
// ending with the generation prompt. Pure string functions: the engine adds
// BOS and tokenizes. The SentencePiece model treats every marker as one
// user-defined symbol and adds no dummy prefix, so
// tokenize(renderHistory(h) + renderPublicPrompt(m)) ==
// tokenize(renderHistory(h)) ++ tokenize(renderPublicPrompt(m)):
// the device's context ends with exactly the tokens the cloud scores.

export const OFFLINE_MARKERS = {
  history: '<|history|>',
  system: '<|system|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
  end: '<|end|>',
} as const;

/** The answer ends with this marker; it is the stop token of the offline pair. */
export const OFFLINE_STOP_TEXT = OFFLINE_MARKERS.end;

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface OfflinePromptInput {
  /** Private past messages of the user (device only), oldest first. */
  history?: readonly string[];
  /** The public chat turns. */
  messages: readonly ChatMessage[];
  /** End with `<|assistant|>` so the model writes the answer (default true). */
  addGenerationPrompt?: boolean;
}

/** A message that cannot be rendered in the offline format. */
export class ChatTemplateError extends Error {
  readonly code = 'invalid_chat_message' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

const MARKER_TEXTS: readonly string[] = Object.values(OFFLINE_MARKERS);

/**
 * The training texts are single-line, so line breaks become single spaces
 * (the device and the cloud render through this one function, so both see
 * the same text). A marker inside a text would be tokenized as the control
 * symbol and let a message forge turns: refused.
 */
function sanitize(text: string, where: string): string {
  const found = MARKER_TEXTS.map((marker) => ({ marker, at: text.indexOf(marker) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)[0];
  if (found !== undefined) {
    throw new ChatTemplateError(
      `${where} contains the control marker ${found.marker} at character ${found.at}; remove it (markers are reserved for the chat template)`,
    );
  }
  return text.replace(/\r\n|\r|\n/g, ' ');
}

const ROLE_MARKER: Record<ChatRole, string> = {
  system: OFFLINE_MARKERS.system,
  user: OFFLINE_MARKERS.user,
  assistant: OFFLINE_MARKERS.assistant,
};

/** The private part of the device context: one `<|history|>…<|end|>` block per past message. */
export function renderHistory(history: readonly string[]): string {
  return history
    .map(
      (text, i) =>
        `${OFFLINE_MARKERS.history}${sanitize(text, `history[${i}]`)}${OFFLINE_MARKERS.end}`,
    )
    .join('');
}

/** The public prompt the cloud sees: the chat turns, then `<|assistant|>` unless disabled. */
export function renderPublicPrompt(
  messages: readonly ChatMessage[],
  addGenerationPrompt = true,
): string {
  if (messages.length === 0) {
    throw new ChatTemplateError('messages is empty; a prompt needs at least one chat turn');
  }
  const turns = messages.map((message, i) => {
    const marker = ROLE_MARKER[message.role];
    if (marker === undefined) {
      throw new ChatTemplateError(
        `messages[${i}].role is "${String(message.role)}"; expected system, user or assistant`,
      );
    }
    return `${marker}${sanitize(message.content, `messages[${i}].content`)}${OFFLINE_MARKERS.end}`;
  });
  return turns.join('') + (addGenerationPrompt ? OFFLINE_MARKERS.assistant : '');
}

/**
 * The device's whole context: private history blocks, then the public prompt.
 * Without history it equals `renderPublicPrompt(messages)`.
 */
export function renderOfflinePrompt(input: OfflinePromptInput): string {
  return (
    renderHistory(input.history ?? []) +
    renderPublicPrompt(input.messages, input.addGenerationPrompt ?? true)
  );
}
