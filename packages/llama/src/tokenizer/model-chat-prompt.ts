import { OFFLINE_MARKERS, type ChatMessage, type TokenId } from '@specsteer/core';
import { resolveChatWrapper, type ChatHistoryItem, type LlamaModel } from 'node-llama-cpp';

/**
 * How a device renders its prompt: `offline` is the shipped pair's own format
 * (core's renderOfflinePrompt); `model` is the chat template the GGUF carries
 * (or the one node-llama-cpp recognizes for its family), for any real model.
 */
export type PromptFormat = 'offline' | 'model';

/** `offline` when the vocabulary has the offline format's markers as single tokens. */
export function detectPromptFormat(model: LlamaModel): PromptFormat {
  const single = (text: string) => model.tokenize(text, true).length === 1;
  return single(OFFLINE_MARKERS.history) && single(OFFLINE_MARKERS.assistant) ? 'offline' : 'model';
}

export interface ModelChatPrompt {
  /** BOS, a system turn holding the private history (and the public system prompt), the request, the answer's header. */
  device: TokenId[];
  /** The same without the private history: what the cloud renders from the public messages. */
  public: TokenId[];
  /** Tokens that end the answer: the template's end-of-turn triggers and the model's eos/eot. */
  stopTokens: TokenId[];
}

/**
 * The device's prompt in the model's own chat template. The private history
 * goes into a system turn that exists only on the device; the public turns
 * after it are rendered exactly as for the cloud, so both contexts end with
 * the same request and answer header.
 */
export function renderModelChat(
  model: LlamaModel,
  input: { history: readonly string[]; messages: readonly ChatMessage[] },
): ModelChatPrompt {
  const wrapper = resolveChatWrapper(model);
  const publicSystem = input.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const turns = input.messages.filter((m) => m.role !== 'system');
  const privateBlock =
    input.history.length === 0
      ? []
      : [
          'Earlier messages written by the user (for context and style):\n' +
            input.history.map((message) => `- ${message.replace(/\s+/g, ' ')}`).join('\n'),
        ];
  const render = (system: string[]) => {
    const chatHistory: ChatHistoryItem[] = [
      ...(system.length > 0 ? [{ type: 'system' as const, text: system.join('\n\n') }] : []),
      ...turns.map((m): ChatHistoryItem =>
        m.role === 'user'
          ? { type: 'user', text: m.content }
          : { type: 'model', response: [m.content] },
      ),
      { type: 'model', response: [] },
    ];
    const { contextText } = wrapper.generateContextState({ chatHistory });
    const tokens = contextText.tokenize(model.tokenizer) as TokenId[];
    const bos = model.tokens.bos;
    return bos !== null && model.tokens.shouldPrependBosToken && tokens[0] !== bos
      ? [bos, ...tokens]
      : tokens;
  };
  const { stopGenerationTriggers } = wrapper.generateContextState({
    chatHistory: [
      { type: 'user', text: '' },
      { type: 'model', response: [] },
    ],
  });
  const stopTokens = new Set<TokenId>();
  for (const trigger of stopGenerationTriggers) {
    const ids = trigger.tokenize(model.tokenizer) as TokenId[];
    if (ids.length === 1) stopTokens.add(ids[0]!);
  }
  for (const token of [model.tokens.eos, model.tokens.eot]) {
    if (token !== null) stopTokens.add(token as TokenId);
  }
  return {
    device: render([...privateBlock, ...publicSystem]),
    public: render(publicSystem),
    stopTokens: [...stopTokens],
  };
}
