import { appendFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  OFFLINE_STOP_TEXT,
  fingerprintTokenizer,
  renderHistory,
  renderOfflinePrompt,
  renderPublicPrompt,
  retrieveHistory,
  runSpecSteer,
  type GenerationResult,
} from '@specsteer/core';
import type { ChatMessage } from '@specsteer/protocol';
import {
  findModelPair,
  INTERIM_MODEL_PAIR,
  LlamaDrafter,
  OfflineTokenizer,
  SHIPPED_MODEL_PAIR,
} from '@specsteer/llama';
import { CliUsageError } from './cli-usage-error.ts';
import { startEmbeddedVerifier, type EmbeddedVerifier } from './embedded-verifier.ts';
import { nodeVerifierConnection, tracedConnection } from './node-client.ts';
import type { GenerateArgs } from './parse-generate-args.ts';
import { readHistoryFile } from './read-history.ts';
import { renderAnswer, renderLegend, renderSummary } from './render-answer.ts';

export interface GenerateIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** Where relative paths on the command line are meant from (pnpm runs scripts in the package). */
  cwd: string;
}

/**
 * `specsteer generate`: draft on the device with the small model and the
 * private history, verify with a verifier (the given --server, or the
 * embedded one started here), print the marked answer and a summary.
 * The history is read, rendered and tokenized in this process only: the
 * verifier receives the public prompt, the sampling settings and tokens.
 */
export async function generate(args: GenerateArgs, io: GenerateIo): Promise<GenerationResult> {
  const fromCwd = (path: string) => (isAbsolute(path) ? path : resolve(io.cwd, path));
  const history =
    args.historyPath === undefined ? [] : await readHistoryFile(fromCwd(args.historyPath));
  const pair = modelPaths(args, fromCwd);

  let verifier: EmbeddedVerifier | null = null;
  const drafter = await LlamaDrafter.create({ modelPath: pair.small });
  try {
    const tokenizer = new OfflineTokenizer(drafter.llamaModel);
    const messages: ChatMessage[] = [
      ...(args.system !== undefined ? [{ role: 'system' as const, content: args.system }] : []),
      { role: 'user', content: args.prompt },
    ];
    // The cloud scores the public prompt that it tokenizes itself; the device context must end with it.
    const publicTokens = tokenizer.tokenizeDocument(renderPublicPrompt(messages)).slice(1);
    // The history messages most relevant to the request (core's BM25 retrieval, as in the web
    // app), as many as fit the device context next to the prompt and room for the answer.
    const snippets = await retrieveHistory(args.prompt, history, {
      budgetTokens: Math.max(
        0,
        drafter.contextSize - 1 - publicTokens.length - Math.min(args.maxTokens, 256),
      ),
      countTokens: (text) => tokenizer.tokenize(renderHistory([text])).length,
    });
    if (history.length > 0) {
      io.stderr.write(
        `history: ${snippets.length} of ${history.length} messages in the device context (BM25-ranked, within its token budget)\n`,
      );
    }
    const contextTokens = tokenizer.tokenizeDocument(
      renderOfflinePrompt({ history: snippets.map((s) => s.text), messages }),
    );
    if (
      contextTokens.slice(contextTokens.length - publicTokens.length).join() !== publicTokens.join()
    ) {
      throw new CliUsageError(
        "the device context does not end with the public prompt's tokens; this tokenizer was not trained with add_dummy_prefix=false",
      );
    }
    if (contextTokens.length >= drafter.contextSize) {
      throw new CliUsageError(
        `history and prompt are ${contextTokens.length} tokens; the small model's context holds ${drafter.contextSize}: shorten the history`,
      );
    }
    const stopToken = tokenizer.singleToken(OFFLINE_STOP_TEXT);
    const tokenizerFingerprint = await fingerprintTokenizer(drafter.vocabSize, (text) =>
      tokenizer.tokenize(text),
    );

    let url = args.server;
    if (url === undefined) {
      verifier = await startEmbeddedVerifier({
        targetPath: pair.large!,
        logLevel: args.logLevel,
        logStream: io.stderr,
      });
      url = verifier.url;
    }
    let connect = nodeVerifierConnection(
      url,
      args.apiKey !== undefined ? { apiKey: args.apiKey } : {},
    );
    if (args.traceFrames !== undefined) {
      const tracePath = fromCwd(args.traceFrames);
      writeFileSync(tracePath, '');
      connect = tracedConnection(connect, (frame) =>
        appendFileSync(tracePath, `${JSON.stringify(frame)}\n`),
      );
    }

    const result = await runSpecSteer({
      connect,
      drafter,
      // The public context is what the verifier scores: BOS and the public prompt.
      context: { device: contextTokens, public: [contextTokens[0]!, ...publicTokens] },
      // Only an explicit --seed makes the run replayable (the device secret derives from it, so
      // whoever knows the seed can replay the device); otherwise the secret is fresh and private.
      reproducible: args.seedGiven,
      prompt: { messages },
      tokenizerFingerprint,
      sampling: {
        temperature: args.temperature,
        seed: args.seed,
        topK: args.topK,
        // The user's request as it is: when the device's own context fills up first, the
        // device ends the answer itself (finish "length"), so the frame never depends on the history.
        maxTokens: args.maxTokens,
        stopTokens: stopToken === null ? [] : [stopToken],
      },
      draftTokens: args.k,
      ...(args.apiKey !== undefined && { apiKey: args.apiKey }),
      client: { name: 'specsteer-cli', version: '0.1.0' },
    });

    const color = args.color ?? (io.stdout.isTTY === true && io.env.NO_COLOR === undefined);
    const hidden = new Set(stopToken === null ? [] : [stopToken]);
    const detokenize = (tokens: readonly number[]) => tokenizer.detokenize(tokens);
    io.stdout.write(
      `${renderAnswer(result.tokens, result.origins, detokenize, { color, hidden })}\n`,
    );
    io.stdout.write(`${renderLegend(color)}\n`);
    io.stdout.write(
      `${renderSummary(result.metrics, result.origins)} · seed ${args.seed} · finish ${result.finish}\n`,
    );
    return result;
  } finally {
    await drafter.dispose();
    await verifier?.close();
  }
}

/** The small model (the device's: q and s) and the large one (the embedded verifier's target). */
function modelPaths(
  args: GenerateArgs,
  fromCwd: (p: string) => string,
): { small: string; large: string | null } {
  const found = findModelPair();
  const small = args.smallModel !== undefined ? fromCwd(args.smallModel) : found?.referencePath;
  const large =
    args.largeModel !== undefined ? fromCwd(args.largeModel) : (found?.targetPath ?? null);
  if (small === undefined || (args.server === undefined && large === null)) {
    throw new CliUsageError(
      `no model pair found: looked for ${SHIPPED_MODEL_PAIR.referencePath} and ${SHIPPED_MODEL_PAIR.targetPath}, ` +
        `then ${INTERIM_MODEL_PAIR.referencePath} and ${INTERIM_MODEL_PAIR.targetPath}; pass --small-model and --large-model`,
    );
  }
  return { small, large };
}
