import { describe, expect, it } from 'vitest';
import { chooseEngine, detectWebGpu } from './engineChoice.ts';

const f16 = { available: true, shaderF16: true };
const noF16 = { available: true, shaderF16: false };
const none = { available: false, shaderF16: false };

describe('engine choice', () => {
  it('detects no WebGPU without navigator.gpu, a null adapter or a failing request', async () => {
    expect(await detectWebGpu({})).toEqual(none);
    expect(await detectWebGpu({ gpu: { requestAdapter: async () => null } })).toEqual(none);
    expect(
      await detectWebGpu({
        gpu: {
          requestAdapter: async () => {
            throw new Error('blocked');
          },
        },
      }),
    ).toEqual(none);
  });

  it('reads shader-f16 from the adapter’s features', async () => {
    const adapter = (features: string[]) => ({
      gpu: { requestAdapter: async () => ({ features: new Set(features) }) },
    });
    expect(await detectWebGpu(adapter(['shader-f16']))).toEqual(f16);
    expect(await detectWebGpu(adapter([]))).toEqual(noF16);
  });

  it('runs wllama for the offline pair whatever the GPU, and says why', () => {
    const choice = chooseEngine('webllm', 'offline-pair', f16, true);
    expect(choice.engine).toBe('wllama');
    expect(choice.reason).toMatch(/offline pair/);
  });

  it('picks the Qwen2.5 WebLLM build by shader-f16, and wllama without WebGPU', () => {
    expect(chooseEngine('auto', 'qwen2.5', f16, true).webllmModel).toBe(
      'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
    );
    const q4f32 = chooseEngine('auto', 'qwen2.5', noF16, true);
    expect(q4f32.webllmModel).toBe('Qwen2.5-0.5B-Instruct-q4f32_1-MLC');
    expect(q4f32.reason).toMatch(/no shader-f16/);
    const cpu = chooseEngine('auto', 'qwen2.5', none, true);
    expect(cpu.engine).toBe('wllama');
    expect(cpu.reason).toMatch(/no WebGPU/);
    expect(chooseEngine('wllama', 'qwen2.5', f16, true).engine).toBe('wllama');
  });
});
