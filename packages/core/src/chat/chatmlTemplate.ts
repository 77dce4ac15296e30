// The Qwen2.5 chat format (ChatML), as Hugging Face's chat template for
// Qwen2.5-Instruct renders it — the text vLLM tokenizes for the public
// prompt. The device puts the private history first, as a system turn of its
// own, then the public turns, so the public prompt's tokens are an exact
// suffix of the device context: ChatML's markers are special tokens, split
// off before BPE, so nothing merges across the boundary (tested against a
// real Qwen tokenizer). Qwen adds no BOS.

import { ChatTemplateError, type ChatMessage } from './offlineTemplate.ts';

export const CHATML_MARKERS = {
  start: '<|im_start|>',
  end: '<|im_end|>',
  endOfText: '<|endoftext|>',
} as const;

/** The answer ends with this marker (Qwen2.5-Instruct's end of turn). */
export const CHATML_STOP_TEXT = CHATML_MARKERS.end;

/** Qwen2.5's default system prompt, which its template inserts when the chat has none. */
export const QWEN25_DEFAULT_SYSTEM =
  'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';

const MARKERS: readonly string[] = Object.values(CHATML_MARKERS);

function checkText(text: string, where: string): string {
  const found = MARKERS.map((marker) => ({ marker, at: text.indexOf(marker) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)[0];
  if (found !== undefined) {
    throw new ChatTemplateError(
      `${where} contains the control marker ${found.marker} at character ${found.at}; remove it (markers are reserved for the chat template)`,
    );
  }
  return text;
}

const turn = (role: string, content: string) =>
  `${CHATML_MARKERS.start}${role}\n${content}${CHATML_MARKERS.end}\n`;

/** The public prompt, exactly as Qwen2.5's chat template renders `messages` (default system prompt included). */
export function renderChatmlPublicPrompt(
  messages: readonly ChatMessage[],
  addGenerationPrompt = true,
): string {
  if (messages.length === 0) {
    throw new ChatTemplateError('messages is empty; a prompt needs at least one chat turn');
  }
  const turns = messages.map((message, i) => {
    if (!['system', 'user', 'assistant'].includes(message.role)) {
      throw new ChatTemplateError(
        `messages[${i}].role is "${String(message.role)}"; expected system, user or assistant`,
      );
    }
    return turn(message.role, checkText(message.content, `messages[${i}].content`));
  });
  const system = messages[0]!.role === 'system' ? '' : turn('system', QWEN25_DEFAULT_SYSTEM);
  return (
    system + turns.join('') + (addGenerationPrompt ? `${CHATML_MARKERS.start}assistant\n` : '')
  );
}

/** The private part of the device context: one system turn holding the user's past messages. */
export function renderChatmlHistory(history: readonly string[]): string {
  if (history.length === 0) return '';
  const lines = history.map(
    (text, i) => `- ${checkText(text, `history[${i}]`).replace(/\s+/g, ' ').trim()}`,
  );
  return turn(
    'system',
    `Private context: the user's own past messages. Write in their style.\n${lines.join('\n')}`,
  );
}

/** The device's whole context: the private history turn, then the public prompt. */
export function renderChatmlPrompt(input: {
  history?: readonly string[];
  messages: readonly ChatMessage[];
  addGenerationPrompt?: boolean;
}): string {
  return (
    renderChatmlHistory(input.history ?? []) +
    renderChatmlPublicPrompt(input.messages, input.addGenerationPrompt ?? true)
  );
}
