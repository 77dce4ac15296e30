import { basename } from 'node:path';
import { ChatTemplateError, fingerprintTokenizer, type TokenId } from '@specsteer/core';
import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import type { LlamaModel } from 'node-llama-cpp';
import type { PublicChatMessage, VerifierBackend } from '../backend.ts';
import {
  getCpuLlama,
  LlamaScorer,
  OfflineTokenizer,
  SHIPPED_MODEL_PAIR,
  validateModelFile,
} from '@specsteer/llama';

export interface LlamaCppBackendOptions {
  /** The large GGUF: p (default models/specsteer-large.gguf). */
  targetPath?: string;
  /** Tokens one session's sequence holds; default the model's trained context. */
  contextSize?: number;
  /** Sequences per llama.cpp context; default 8. */
  sequencesPerContext?: number;
  /** Contexts; sessions beyond contexts × sequences share caches (LRU) or queue. Default 8. */
  maxContexts?: number;
  /** The chat-format family announced in `welcome`. */
  family?: string;
}

/** The embedded backend, with what the bench and tests look at besides the contract. */
export interface LlamaCppBackend extends VerifierBackend {
  readonly name: 'llamacpp';
  readonly target: LlamaScorer;
  readonly contextSize: number;
  readonly tokenizer: OfflineTokenizer;
}

/**
 * Load the target model in process (docs/design.md, the default backend):
 * the GGUF header is validated first (a bad file is a MODEL_INVALID error,
 * not a native abort). Devices bring the small model themselves (they
 * compute s); the tokenizer fingerprint in `welcome` makes sure they share
 * this model's vocabulary.
 */
export async function createLlamaCppBackend(
  options: LlamaCppBackendOptions = {},
): Promise<LlamaCppBackend> {
  const targetPath = options.targetPath ?? SHIPPED_MODEL_PAIR.targetPath;
  const targetFile = await validateModelFile(targetPath);
  const vocabSize = targetFile.tokens.length;
  // The longest piece bounds the text one token covers (a loop: Math.max(...v) overflows on big vocabularies).
  let maxCharsPerToken = 1;
  for (const piece of targetFile.tokens)
    maxCharsPerToken = Math.max(maxCharsPerToken, piece.length);
  const contextSize = options.contextSize ?? targetFile.contextLength;
  if (!Number.isInteger(contextSize) || contextSize < 2) {
    throw new RangeError(`contextSize is ${contextSize}; expected an integer ≥ 2`);
  }

  const llama = await getCpuLlama();
  const targetModel: LlamaModel = await llama.loadModel({ modelPath: targetPath, gpuLayers: 0 });
  const tokenizer = new OfflineTokenizer(targetModel);
  const tokenizerFingerprint = await fingerprintTokenizer(vocabSize, (text) =>
    tokenizer.tokenize(text),
  );

  const target = new LlamaScorer(targetModel, vocabSize, {
    contextSize,
    sequencesPerContext: options.sequencesPerContext ?? 8,
    maxContexts: options.maxContexts ?? 8,
  });
  let closed = false;

  return {
    name: 'llamacpp',
    target,
    vocabSize,
    maxCharsPerToken,
    contextSize,
    tokenizer,
    tokenizerFingerprint,
    model: { family: options.family ?? 'specsteer-offline', target: basename(targetPath) },
    async tokenizePrompt(messages: readonly PublicChatMessage[]): Promise<TokenId[]> {
      try {
        return tokenizer.tokenizePublicPrompt(messages);
      } catch (error) {
        if (error instanceof ChatTemplateError) {
          throw new SpecSteerError(ErrorCode.INVALID_MESSAGE, error.message);
        }
        throw error;
      }
    },
    async ready(): Promise<boolean> {
      return !closed && !targetModel.disposed;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await target.close();
      await targetModel.dispose();
    },
  };
}
