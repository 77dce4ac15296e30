import { OFFLINE_STOP_TEXT, TOKENIZER_PROBE_TEXTS, renderPublicPrompt } from '@specsteer/core';
import { NO_MODEL_PAIR_REASON, testModelPair } from '@specsteer/llama/testing';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaCppBackend } from '../src/backends/llamacpp/index.ts';
import { startVerifier, type StartedVerifier } from './support/verifier-harness.ts';

// clients/python, a client written from the protocol's README and JSON Schema
// alone, against the embedded verifier with the shipped model pair. The
// fixture gives it what a Python program would get from its own tokenizer:
// the probe texts' token ids (for the fingerprint) and the ids of the prompt
// text it renders with the documented chat template.

const clientDir = fileURLToPath(new URL('../../../clients/python/', import.meta.url));
// Debian's interpreter, where apt puts python3-websockets (.ci/run installs it).
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const haveWebsockets =
  spawnSync(python, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0 ||
  process.env.CI === 'true';
const pair = testModelPair();
const MESSAGES = [
  { role: 'user' as const, content: 'Write a note to the team about the capital of Varnia.' },
];

/** The unittest names the run must report as passed (a skip would hide a broken setup). */
const LIVE_TESTS = [
  'test_handshake_with_the_documented_fingerprint',
  'test_a_wrong_fingerprint_ends_the_connection_with_1002',
  'test_greedy_output_does_not_depend_on_the_drafter',
  'test_a_token_prompt_built_from_the_documented_template_is_the_same_prompt',
  'test_a_sampled_session_runs_to_its_end',
  'test_resumes_after_a_dropped_socket_without_losing_a_token',
  'test_malformed_frames_get_coded_errors',
];

describe.skipIf(pair === null || !haveWebsockets)(
  `the Python client against the embedded verifier${pair === null ? ` (${NO_MODEL_PAIR_REASON})` : !haveWebsockets ? ' (no python3-websockets; apt-get install python3-websockets)' : ''}`,
  () => {
    let server: StartedVerifier;
    let dir: string;

    beforeAll(async () => {
      const backend = await createLlamaCppBackend({ targetPath: pair!.targetPath });
      server = await startVerifier({ backend });
      const tokenizer = backend.tokenizer;
      const prompt = renderPublicPrompt(MESSAGES);
      dir = mkdtempSync(join(tmpdir(), 'specsteer-python-'));
      writeFileSync(
        join(dir, 'fixture.json'),
        JSON.stringify({
          vocabSize: backend.vocabSize,
          bos: tokenizer.bos,
          stopToken: tokenizer.singleToken(OFFLINE_STOP_TEXT),
          probeIds: TOKENIZER_PROBE_TEXTS.map((text) => tokenizer.tokenize(text)),
          texts: { [prompt]: tokenizer.tokenize(prompt) },
        }),
      );
    });
    afterAll(async () => {
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('passes its own test suite: handshake, rounds, resume after a dropped socket, malformed frames', async () => {
      const { code, output } = await new Promise<{ code: number | null; output: string }>(
        (resolve) => {
          execFile(
            python,
            ['-m', 'unittest', '-v', 'test_specsteer_client'],
            {
              cwd: clientDir,
              env: {
                PATH: process.env.PATH ?? '',
                SPECSTEER_URL: server.url,
                SPECSTEER_FIXTURE: join(dir, 'fixture.json'),
              },
              timeout: 240_000,
            },
            (error, stdout, stderr) =>
              resolve({
                code: error ? ((error as { code?: number }).code ?? 1) : 0,
                output: stdout + stderr,
              }),
          );
        },
      );
      expect(code, output).toBe(0);
      // Exit 0 counts skips as passes: every live test must have run.
      expect(output).not.toContain('skipped');
      for (const name of LIVE_TESTS) expect(output, name).toContain(`${name} (`);
    }, 300_000);
  },
);
