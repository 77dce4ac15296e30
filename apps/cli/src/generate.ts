import { appendFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  OFFLINE_MARKERS,
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
  ModelInvalidError,
  detectPromptFormat,
  renderModelChat,
  validateModelFile,
} from '@specsteer/llama';
import { CliUsageError } from './cli-usage-error.ts';
import { startEmbeddedVerifier, type EmbeddedVerifier } from './embedded-verifier.ts';
import { nodeVerifierConnection, tracedConnection } from './node-client.ts';
import type { GenerateArgs } from './parse-generate-args.ts';
import { readHistoryFile } from './read-history.ts';
import { describeClamp, fitToLimits, probeVerifier, verifierSocketUrl } from './probe-verifier.ts';
import { AnswerStream, renderLegend, renderSummary } from './render-answer.ts';
import { CLI_VERSION } from './version.ts';

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
  const started = performance.now();
  // Checked here so that a bad file is named by the flag that gave it (the
  // local verifier would name its own environment variable).
  await checkModelFile(
    pair.small,
    args.smallModel !== undefined ? '--small-model' : 'the small model',
  );
  if (args.server === undefined) {
    await checkModelFile(
      pair.large!,
      args.largeModel !== undefined ? '--large-model' : 'the large model',
    );
  }

  let verifier: EmbeddedVerifier | null = null;
  const drafter = await LlamaDrafter.create({ modelPath: pair.small });
  try {
    const tokenizer = new OfflineTokenizer(drafter.llamaModel);
    const messages: ChatMessage[] = [
      ...(args.system !== undefined ? [{ role: 'system' as const, content: args.system }] : []),
      { role: 'user', content: args.prompt },
    ];
    const format =
      args.chatFormat === 'auto' ? detectPromptFormat(drafter.llamaModel) : args.chatFormat;
    const render = (kept: string[]) =>
      format === 'offline'
        ? offlinePrompt(tokenizer, kept, messages)
        : modelPrompt(drafter.llamaModel, kept, messages);
    const publicLength = render([]).publicTokens.length;
    // The history messages most relevant to the request (core's BM25 retrieval, as in the web
    // app), as many as fit the device context next to the prompt and room for the answer
    // (a quarter of the context at most: the shipped pair's is the 256 tokens it was trained on).
    const answerRoom = Math.min(args.maxTokens, Math.floor(drafter.contextSize / 4));
    const snippets = await retrieveHistory(args.prompt, history, {
      budgetTokens: Math.max(0, drafter.contextSize - 1 - publicLength - answerRoom),
      countTokens: (text) => tokenizer.tokenize(renderHistory([text])).length,
    });
    if (history.length > 0) {
      io.stderr.write(
        `specsteer: note: history: ${snippets.length} of ${history.length} messages in the device context (BM25-ranked, within its token budget)\n`,
      );
    }
    const { contextTokens, publicTokens, stopTokens } = render(snippets.map((s) => s.text));
    if (contextTokens.length >= drafter.contextSize) {
      throw new CliUsageError(
        `the prompt alone is ${contextTokens.length} tokens; the small model's context holds ${drafter.contextSize}: shorten it`,
      );
    }
    const tokenizerFingerprint = await fingerprintTokenizer(drafter.vocabSize, (text) =>
      tokenizer.tokenize(text),
    );

    let url = args.server === undefined ? undefined : verifierSocketUrl(args.server);
    if (url === undefined) {
      verifier = await startEmbeddedVerifier({
        targetPath: pair.large!,
        logLevel: args.logLevel,
        logStream: io.stderr,
      });
      url = verifier.url;
    }
    const client = { name: 'specsteer-cli', version: CLI_VERSION };
    const welcome = await probeVerifier(url, {
      fingerprint: tokenizerFingerprint,
      client,
      timeoutMs: args.connectTimeoutMs,
      ...(args.apiKey !== undefined && { apiKey: args.apiKey }),
    });
    const fitted = fitToLimits(args, welcome.limits);
    for (const clamp of fitted.clamps)
      io.stderr.write(`specsteer: note: ${describeClamp(clamp)}\n`);

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

    const color = args.color ?? (io.stdout.isTTY === true && io.env.NO_COLOR === undefined);
    const answer = new AnswerStream(
      (tokens) => tokenizer.detokenize(tokens),
      { color, hidden: new Set(stopTokens) },
      (text) => io.stdout.write(text),
    );
    const startupMs = performance.now() - started;
    const result = await runSpecSteer({
      connect,
      drafter,
      // The public context is what the verifier scores: BOS and the public prompt.
      context: { device: contextTokens, public: publicTokens },
      // Only an explicit --seed makes the run replayable (the device secret derives from it, so
      // whoever knows the seed can replay the device); otherwise the secret is fresh and private.
      reproducible: args.seedGiven,
      prompt: { messages },
      tokenizerFingerprint,
      sampling: {
        temperature: args.temperature,
        seed: args.seed,
        topK: fitted.topK,
        // The user's request (capped by the verifier's announced limit only): when the
        // device's own context fills up first, the device ends the answer itself
        // (finish "length"), so the frame never depends on the history.
        maxTokens: fitted.maxTokens,
        stopTokens,
      },
      draftTokens: fitted.k,
      ...(args.apiKey !== undefined && { apiKey: args.apiKey }),
      client,
      // The answer appears as it is committed, not when the generation ends.
      onToken: ({ token, origin }) => answer.push(token, origin),
    });
    answer.end();
    io.stdout.write(`\n${renderLegend(color)}\n`);
    io.stdout.write(
      `${renderSummary(result.metrics, result.origins, startupMs)} · seed ${args.seed} · finish ${result.finish}\n`,
    );
    return result;
  } finally {
    await drafter.dispose();
    await verifier?.close();
  }
}

/** The shipped pair's own chat format (core's offline template). */
function offlinePrompt(
  tokenizer: OfflineTokenizer,
  history: string[],
  messages: ChatMessage[],
): { contextTokens: number[]; publicTokens: number[]; stopTokens: number[] } {
  const contextTokens = tokenizer.tokenizeDocument(renderOfflinePrompt({ history, messages }));
  // The cloud scores the public prompt that it tokenizes itself; the device context must end with it.
  const publicTokens = tokenizer.tokenizeDocument(renderPublicPrompt(messages)).slice(1);
  if (
    contextTokens.slice(contextTokens.length - publicTokens.length).join() !== publicTokens.join()
  ) {
    throw new CliUsageError(
      "the device context does not end with the public prompt's tokens; this tokenizer was not trained with add_dummy_prefix=false",
    );
  }
  // Every chat marker ends the answer: a marker inside it would be a new turn
  // (at high temperature the model sometimes samples <|assistant|> mid-answer).
  const stopTokens = Object.values(OFFLINE_MARKERS)
    .map((marker) => tokenizer.singleToken(marker))
    .filter((token): token is number => token !== null);
  // The public context is what the verifier scores: BOS and the public prompt.
  return { contextTokens, publicTokens: [contextTokens[0]!, ...publicTokens], stopTokens };
}

/** A real model's own chat template; the history rides in a device-only system turn. */
function modelPrompt(
  model: LlamaDrafter['llamaModel'],
  history: string[],
  messages: ChatMessage[],
): { contextTokens: number[]; publicTokens: number[]; stopTokens: number[] } {
  const chat = renderModelChat(model, { history, messages });
  return { contextTokens: chat.device, publicTokens: chat.public, stopTokens: chat.stopTokens };
}

/** A model file the engines must not be handed, reported with the flag (or default) that named it. */
async function checkModelFile(path: string, given: string): Promise<void> {
  try {
    await validateModelFile(path);
  } catch (error) {
    if (error instanceof ModelInvalidError) {
      throw new CliUsageError(`${given} ${path}: ${error.reason}`, 'MODEL_INVALID');
    }
    throw error;
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
