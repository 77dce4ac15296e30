// The shipped model pair set up as a device (the small model: q and s) and an
// in-process verifier conversation over the large model (the same core
// VerifierConversation and llama.cpp scorer the verifier app serves; only the
// transport is in memory), plus the PersonaWorld eval split.

import { DEFAULT_LIMITS, HARD_CAPS, type ChatMessage, type Limits } from '@specsteer/protocol';
import {
  OFFLINE_STOP_TEXT,
  VerifierConversation,
  fingerprintTokenizer,
  inMemoryTransportFactory,
  renderOfflinePrompt,
  type DraftContext,
  type TokenId,
  type TransportFactory,
} from '@specsteer/core';
import {
  LlamaDrafter,
  LlamaScorer,
  OfflineTokenizer,
  SHIPPED_MODEL_PAIR,
  getCpuLlama,
  validateModelFile,
} from '@specsteer/llama';
import { DEFAULTS, generatePersonaWorld, type EvalTask } from '@specsteer/personaworld';

export interface PairOptions {
  smallPath?: string;
  largePath?: string;
  /** Tokens of the device and scoring contexts (the models were trained on 256-token rows). */
  contextSize?: number;
}

export interface ModelPair {
  drafter: LlamaDrafter;
  target: LlamaScorer;
  tokenizer: OfflineTokenizer;
  fingerprint: string;
  stopToken: TokenId;
  vocabSize: number;
  /** A fresh in-memory connection factory to a conversation over the target. */
  connect(limits?: Partial<Limits>): TransportFactory;
  /** Device and public contexts of a task: private history first, then the request. */
  contexts(task: Pick<EvalTask, 'history' | 'request'>): {
    context: DraftContext;
    messages: ChatMessage[];
  };
  detokenize(tokens: readonly TokenId[]): string;
  dispose(): Promise<void>;
}

export async function loadModelPair(options: PairOptions = {}): Promise<ModelPair> {
  const smallPath = options.smallPath ?? SHIPPED_MODEL_PAIR.referencePath;
  const largePath = options.largePath ?? SHIPPED_MODEL_PAIR.targetPath;
  const contextSize = options.contextSize ?? 512;
  const drafter = await LlamaDrafter.create({ modelPath: smallPath, contextSize });
  const largeFile = await validateModelFile(largePath);
  const llama = await getCpuLlama();
  const largeModel = await llama.loadModel({ modelPath: largePath, gpuLayers: 0 });
  const vocabSize = largeFile.tokens.length;
  const target = new LlamaScorer(largeModel, vocabSize, {
    contextSize,
    sequencesPerContext: 1,
    maxContexts: 4,
  });
  const tokenizer = new OfflineTokenizer(drafter.llamaModel);
  const serverTokenizer = new OfflineTokenizer(largeModel);
  const fingerprint = await fingerprintTokenizer(vocabSize, (text) => tokenizer.tokenize(text));
  const stopToken = tokenizer.singleToken(OFFLINE_STOP_TEXT);
  if (stopToken === null)
    throw new Error(`the tokenizer has no single token for ${OFFLINE_STOP_TEXT}`);
  return {
    drafter,
    target,
    tokenizer,
    fingerprint,
    stopToken,
    vocabSize,
    connect: (limits = {}) =>
      inMemoryTransportFactory(
        () =>
          new VerifierConversation({
            target,
            model: { family: 'specsteer-offline', target: 'specsteer-large' },
            tokenizerFingerprint: fingerprint,
            vocabSize,
            limits: {
              ...DEFAULT_LIMITS,
              maxTopK: Math.min(vocabSize, HARD_CAPS.topK),
              maxTokens: contextSize,
              ...limits,
            },
            tokenizePrompt: async (messages) => serverTokenizer.tokenizePublicPrompt(messages),
          }),
      ),
    contexts: (task) => {
      const messages: ChatMessage[] = [{ role: 'user', content: task.request }];
      const device = tokenizer.tokenizeDocument(
        renderOfflinePrompt({ history: task.history, messages }),
      );
      const publicTokens = tokenizer.tokenizePublicPrompt(messages);
      return { context: { device, public: publicTokens }, messages };
    },
    detokenize: (tokens) => tokenizer.detokenize(tokens.filter((t) => t !== stopToken)),
    dispose: async () => {
      await drafter.dispose();
      await target.close();
      await largeModel.dispose();
    },
  };
}

/** The PersonaWorld eval split, generated deterministically (the same 300 tasks every time). */
export function evalSplit(limit?: number): EvalTask[] {
  // Seed 1 with the default sizes is the corpus the shipped pair was trained on (models/MODEL_CARD.md).
  const tasks = generatePersonaWorld({ seed: 1, evalTasks: DEFAULTS.evalTasks }).eval;
  return limit === undefined ? tasks : tasks.slice(0, limit);
}

/** One seed per task from a printed base seed, so tasks do not share their random draws. */
export function taskSeed(base: number, index: number): number {
  let h = (base ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
