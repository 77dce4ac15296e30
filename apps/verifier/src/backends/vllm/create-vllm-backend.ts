// The `vllm` backend: the target p (docs/design.md) on one OpenAI-compatible
// vLLM server — the device computes s itself. Start-up refuses to return a
// backend unless the server is healthy, serves the named model, tokenizes
// within the configured vocabulary (core's tokenizer fingerprint, which
// devices must match) and accepts a scoring request at the announced top-K
// cap — so a misconfiguration stops the verifier at start, not at a user's
// first round.

import {
  fingerprintTokenizer,
  type Scorer,
  type ScoringSession,
  type TokenId,
} from '@specsteer/core';
import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import type { PublicChatMessage, VerifierBackend } from '../backend.ts';
import { VllmClient } from './vllm-client.ts';
import type { VllmRole } from './vllm-errors.ts';
import { VllmScorer } from './vllm-scorer.ts';
import { VLLM_VARIABLES } from './vllm-variables.ts';

/** vLLM's default `--max-logprobs`. */
export const DEFAULT_VLLM_MAX_TOP_K = 20;

export interface VllmBackendOptions {
  /** Server root, e.g. `http://vllm-target:8000`. */
  targetUrl: string;
  /** Served model name; default: the only model the server lists. */
  targetModel?: string | undefined;
  targetApiKey?: string | undefined;
  /** Per request, the whole exchange. */
  timeoutMs: number;
  /** The servers' --max-logprobs: the largest top-K the verifier may announce. Default 20. */
  maxTopK?: number | undefined;
  /**
   * Rows of the models' output layer (config.json `vocab_size`, e.g. 151936 for
   * Qwen2.5): vLLM does not report it, and the drafter's distributions have this
   * length. Required; optional in the type only so that start-up names the variable.
   */
  vocabSize?: number | undefined;
  /** Model family announced in welcome; default: the target model name. */
  family?: string | undefined;
}

/** The vLLM backend, with the top-K cap the server should announce in `limits.maxTopK`. */
export interface VllmBackend extends VerifierBackend {
  readonly name: 'vllm';
  readonly maxTopK: number;
  /** The server's --max-model-len: prompt + output must fit. */
  readonly maxModelLen: number | undefined;
}

interface Side {
  role: VllmRole;
  client: VllmClient;
  model: string;
  maxModelLen: number | undefined;
}

export async function createVllmBackend(options: VllmBackendOptions): Promise<VllmBackend> {
  const maxTopK = options.maxTopK ?? DEFAULT_VLLM_MAX_TOP_K;
  if (!Number.isInteger(maxTopK) || maxTopK < 1) {
    throw new SpecSteerError(
      ErrorCode.INTERNAL,
      `the vLLM top-K cap must be a positive integer, got ${maxTopK}`,
    );
  }
  const vocabSize = options.vocabSize;
  if (vocabSize === undefined || !Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new SpecSteerError(
      ErrorCode.INTERNAL,
      `the vLLM backend needs the models' vocabulary size (config.json vocab_size, 151936 for Qwen2.5): ` +
        `set ${VLLM_VARIABLES.vocabSize} to a positive integer (got ${String(vocabSize)})`,
    );
  }
  const target = await connect(
    new VllmClient({
      role: 'target',
      baseUrl: options.targetUrl,
      apiKey: options.targetApiKey,
      timeoutMs: options.timeoutMs,
    }),
    options.targetModel,
  );
  const fingerprintNow = () =>
    fingerprintTokenizer(
      vocabSize,
      async (text) => (await target.client.tokenizeText(target.model, text)).tokens,
    ).catch((error: unknown) => {
      // A probe id ≥ vocabSize means the configured size is wrong for this model.
      if (error instanceof Error && error.name === 'TokenizerFingerprintError') {
        throw new SpecSteerError(
          ErrorCode.TOKENIZER_MISMATCH,
          `the vLLM tokenizer does not fit ${VLLM_VARIABLES.vocabSize}=${vocabSize}: ${error.message}`,
        );
      }
      throw error;
    });
  const targetFingerprint = await fingerprintNow();
  // The tokenizer's ids are all below vocabSize (the fingerprint checks it); the model must also
  // have an output row for the last id, or the drafter's distributions are longer than p's.
  const vocabularyFits = () => target.client.hasVocabularyId(target.model, vocabSize - 1);
  if (!(await vocabularyFits())) {
    throw new SpecSteerError(
      ErrorCode.TOKENIZER_MISMATCH,
      `${VLLM_VARIABLES.vocabSize}=${vocabSize} is larger than the vocabulary vLLM serves for ${target.model}: set it to the model's config.json vocab_size`,
    );
  }

  const scorer = new VllmScorer({ client: target.client, model: target.model, vocabSize, maxTopK });
  /**
   * A vLLM swapped behind a running verifier (another model, another
   * tokenizer) must not go on scoring for devices of the old one. After any
   * failed request, and on every readiness probe while one is pending, the
   * fingerprint and vocabulary are checked again; a mismatch turns /readyz
   * 503 and every round BACKEND_UNAVAILABLE until the server matches again.
   */
  const served = {
    recheckDue: false,
    mismatch: null as string | null,
    checking: null as Promise<void> | null,
  };
  const recheck = (): Promise<void> =>
    (served.checking ??= (async () => {
      try {
        const fingerprint = await fingerprintNow();
        served.mismatch =
          fingerprint !== targetFingerprint
            ? `vLLM target (${target.client.baseUrl}) now tokenizes differently (fingerprint ${fingerprint}, announced ${targetFingerprint}); restart the verifier against the intended model`
            : !(await vocabularyFits())
              ? `vLLM target (${target.client.baseUrl}) now serves fewer than ${VLLM_VARIABLES.vocabSize}=${vocabSize} token ids; restart the verifier against the intended model`
              : null;
        served.recheckDue = false;
      } catch (error) {
        if (error instanceof SpecSteerError && error.code === ErrorCode.TOKENIZER_MISMATCH) {
          served.mismatch = `vLLM target (${target.client.baseUrl}): ${error.message}`;
          served.recheckDue = false;
        }
        // Unreachable: still due; the next probe or round tries again.
      } finally {
        served.checking = null;
      }
    })());
  const guarded: Scorer = {
    vocabSize,
    async openSession(): Promise<ScoringSession> {
      const session = await scorer.openSession();
      return {
        async score(tokens, from, scoreOptions) {
          if (served.checking !== null || served.recheckDue) await recheck();
          if (served.mismatch !== null) {
            throw new SpecSteerError(ErrorCode.BACKEND_UNAVAILABLE, served.mismatch);
          }
          try {
            return await session.score(tokens, from, scoreOptions);
          } catch (error) {
            if (
              error instanceof SpecSteerError &&
              (error.code === ErrorCode.BACKEND_UNAVAILABLE ||
                error.code === ErrorCode.BACKEND_TIMEOUT)
            ) {
              served.recheckDue = true;
              void recheck(); // now, so that the next round and /readyz find it done
            }
            throw error;
          }
        },
        close: () => session.close(),
      };
    },
  };
  // One scoring request at the cap: proves --max-logprobs ≥ the cap and that
  // logprobs come keyed by token id, before any client connects.
  const probe = (await target.client.tokenizeText(target.model, 'The capital of Varnia is Tellor.'))
    .tokens;
  await scorer.score(probe, 1, { topK: maxTopK, temperature: 1 });

  let closed = false;
  const backend: VllmBackend = {
    name: 'vllm',
    target: guarded,
    vocabSize,
    tokenizerFingerprint: targetFingerprint,
    model: { family: options.family ?? target.model, target: target.model },
    maxTopK,
    maxModelLen: target.maxModelLen,
    async tokenizePrompt(messages: readonly PublicChatMessage[]): Promise<TokenId[]> {
      try {
        return (await target.client.tokenizeChat(target.model, messages)).tokens;
      } catch (error) {
        // A 400 here is the chat template refusing these messages: the client's to fix.
        if (error instanceof SpecSteerError && error.data?.status === 400) {
          throw new SpecSteerError(
            ErrorCode.INVALID_MESSAGE,
            `the model's chat template refused the prompt: ${String(error.data.vllmMessage ?? error.message)}`,
          );
        }
        throw error;
      }
    },
    async ready(): Promise<boolean> {
      if (closed) return false;
      const quick = Math.min(options.timeoutMs, 2_000);
      const healthy = await target.client.health(quick).then(
        () => true,
        () => {
          served.recheckDue = true; // it may come back as another server
          return false;
        },
      );
      if (!healthy) return false;
      // While mismatched, every probe looks again: the operator may have put the right model back.
      if (served.recheckDue || served.mismatch !== null) await recheck();
      return served.mismatch === null && !served.recheckDue;
    },
    async close(): Promise<void> {
      // Nothing is held open but keep-alive sockets, which idle out; refuse further readiness.
      closed = true;
    },
  };
  return backend;
}

/** Health, then the served model: the named one, or the only one listed. */
async function connect(client: VllmClient, wanted: string | undefined): Promise<Side> {
  await client.health();
  const listed = (await client.models()).data;
  const variable = VLLM_VARIABLES.targetModel;
  const names = listed.map((m) => m.id).join(', ') || 'none';
  let card = wanted === undefined ? undefined : listed.find((m) => m.id === wanted);
  if (wanted !== undefined && card === undefined) {
    throw new SpecSteerError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `vLLM ${client.role} (${client.baseUrl}) does not serve "${wanted}" (it serves: ${names}); fix ${variable} or the server's --served-model-name`,
    );
  }
  if (wanted === undefined) {
    if (listed.length !== 1) {
      throw new SpecSteerError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `vLLM ${client.role} (${client.baseUrl}) serves ${listed.length} models (${names}); set ${variable} to one of them`,
      );
    }
    card = listed[0];
  }
  return {
    role: client.role,
    client,
    model: card!.id,
    maxModelLen: card!.max_model_len ?? undefined,
  };
}
