import type { LlamaModel, Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCpuLlama } from '../models/cpu-llama.ts';
import { NO_MODEL_PAIR_REASON, testModelPair } from '../testing/test-model-pair.ts';
import { detectPromptFormat, renderModelChat } from './model-chat-prompt.ts';

const pair = testModelPair();

describe.skipIf(pair === null)(
  `renderModelChat ${pair === null ? NO_MODEL_PAIR_REASON : ''}`,
  () => {
    let model: LlamaModel;
    beforeAll(async () => {
      model = await (await getCpuLlama()).loadModel({ modelPath: pair!.referencePath });
    });
    afterAll(async () => {
      await model?.dispose();
    });

    it('recognizes the shipped pair by its chat markers', () => {
      expect(detectPromptFormat(model)).toBe('offline');
    });

    it("puts the private history only in the device's prompt, and ends both prompts alike", () => {
      const prompt = renderModelChat(model, {
        history: ['Nybu slept on my notes all morning.', 'Mind the mumur.'],
        messages: [{ role: 'user', content: 'Write a note about Brydound.' }],
      });
      const device = model.detokenize(prompt.device as Token[]);
      const cloud = model.detokenize(prompt.public as Token[]);
      expect(device).toContain('Nybu slept on my notes');
      expect(cloud).not.toContain('Nybu');
      expect(cloud).toContain('Write a note about Brydound.');
      expect(prompt.device[0]).toBe(model.tokens.bos);
      expect(prompt.public[0]).toBe(model.tokens.bos);
      // The request and the answer header close both contexts identically.
      const tail = prompt.public.slice(-8);
      expect(prompt.device.slice(-8)).toEqual(tail);
      expect(prompt.stopTokens).toContain(model.tokens.eos);
    });
  },
);
