import { basename } from 'node:path';
import { ChatTemplateError, fingerprintTokenizer, type TokenId } from '@specsteer/core';
import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import type { LlamaModel } from 'node-llama-cpp';
import type { PublicChatMessage, VerifierBackend } from '../backend.ts';
import {
  checkSharedVocabulary,
  getCpuLlama,
  LlamaScorer,
  ModelPairMismatchError,
  OfflineTokenizer,
  SHIPPED_MODEL_PAIR,
  validateModelFile,
} from '@specsteer/llama';

export interface LlamaCppBackendOptions {
  /** The large GGUF: p (default models/specsteer-large.gguf). */
  targetPath?: string;
  /** The small GGUF: s (default models/specsteer-small.gguf). */
  referencePath?: string;
  /** Tokens one session's sequence holds; default the smaller trained context of the two. */
  contextSize?: number;
  /** Sequences per llama.cpp context (evaluated in one batch); default 8. */
  sequencesPerContext?: number;
  /** Contexts per model; sessions beyond contexts × sequences share caches (LRU) or queue. Default 8. */
  maxContexts?: number;
  /** The chat-format family announced in `welcome`. */
  family?: string;
}

/** The embedded backend, with what the bench and tests look at besides the contract. */
export interface LlamaCppBackend extends VerifierBackend {
  readonly name: 'llamacpp';
  readonly target: LlamaScorer;
  readonly reference: LlamaScorer;
  readonly contextSize: number;
  readonly tokenizer: OfflineTokenizer;
}

/**
 * Load the model pair in process (docs/design.md §5, the default backend): both
 * GGUF headers are validated first (a bad file is a MODEL_INVALID error, not
 * a native abort), the two vocabularies must be identical, and the tokenizer
 * fingerprints computed through each model must agree.
 */
export async function createLlamaCppBackend(
  options: LlamaCppBackendOptions = {},
): Promise<LlamaCppBackend> {
  const targetPath = options.targetPath ?? SHIPPED_MODEL_PAIR.targetPath;
  const referencePath = options.referencePath ?? SHIPPED_MODEL_PAIR.referencePath;
  const [targetFile, referenceFile] = await Promise.all([
    validateModelFile(targetPath),
    validateModelFile(referencePath),
  ]);
  checkSharedVocabulary(targetFile, referenceFile);
  const vocabSize = targetFile.tokens.length;
  // The longest piece bounds the text one token covers (a loop: Math.max(...v) overflows on big vocabularies).
  let maxCharsPerToken = 1;
  for (const piece of targetFile.tokens)
    maxCharsPerToken = Math.max(maxCharsPerToken, piece.length);
  const contextSize =
    options.contextSize ?? Math.min(targetFile.contextLength, referenceFile.contextLength);
  if (!Number.isInteger(contextSize) || contextSize < 2) {
    throw new RangeError(`contextSize is ${contextSize}; expected an integer ≥ 2`);
  }

  const llama = await getCpuLlama();
  const loaded: LlamaModel[] = [];
  try {
    for (const modelPath of [targetPath, referencePath]) {
      loaded.push(await llama.loadModel({ modelPath, gpuLayers: 0 }));
    }
  } catch (error) {
    await Promise.all(loaded.map((m) => m.dispose()));
    throw error;
  }
  const [targetModel, referenceModel] = loaded as [LlamaModel, LlamaModel];

  const tokenizer = new OfflineTokenizer(referenceModel);
  const targetTokenizer = new OfflineTokenizer(targetModel);
  const [tokenizerFingerprint, targetFingerprint] = await Promise.all([
    fingerprintTokenizer(vocabSize, (text) => tokenizer.tokenize(text)),
    fingerprintTokenizer(vocabSize, (text) => targetTokenizer.tokenize(text)),
  ]);
  if (tokenizerFingerprint !== targetFingerprint) {
    await Promise.all(loaded.map((m) => m.dispose()));
    throw new ModelPairMismatchError(
      `target ${targetPath} and reference ${referencePath} tokenize the probe texts differently (fingerprints ${targetFingerprint} vs ${tokenizerFingerprint})`,
    );
  }

  const poolOptions = {
    contextSize,
    sequencesPerContext: options.sequencesPerContext ?? 8,
    maxContexts: options.maxContexts ?? 8,
  };
  const target = new LlamaScorer(targetModel, vocabSize, poolOptions);
  const reference = new LlamaScorer(referenceModel, vocabSize, poolOptions);
  let closed = false;

  return {
    name: 'llamacpp',
    target,
    reference,
    vocabSize,
    maxCharsPerToken,
    contextSize,
    tokenizer,
    tokenizerFingerprint,
    model: {
      family: options.family ?? 'specsteer-offline',
      target: basename(targetPath),
      reference: basename(referencePath),
    },
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
      return !closed && !targetModel.disposed && !referenceModel.disposed;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([target.close(), reference.close()]);
      await Promise.all([targetModel.dispose(), referenceModel.dispose()]);
    },
  };
}
