// `specsteer`: the Node command line of SpecSteer. One command today:
// `specsteer generate --history FILE --prompt TEXT [--server ws://…]`.

import { SpecSteerError } from '@specsteer/protocol';
import { ModelInvalidError } from '@specsteer/llama';
import { CliUsageError } from './cli-usage-error.ts';
import { GENERATE_USAGE, parseGenerateArgs } from './parse-generate-args.ts';

const USAGE = `usage: specsteer <command> [options]

commands:
  generate    write an answer: drafted on this machine with your private history, verified by a cloud verifier

${GENERATE_USAGE}`;

/** Run the CLI; resolves to the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'generate') {
    process.stderr.write(`specsteer: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${GENERATE_USAGE}\n`);
      return 0;
    }
    const args = parseGenerateArgs(rest);
    // Loaded after the arguments are checked: node-llama-cpp and the server take seconds to import.
    const { generate } = await import('./generate.ts');
    await generate(args, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      // pnpm runs package scripts in the package folder and keeps the caller's folder here.
      cwd: process.env.INIT_CWD ?? process.cwd(),
    });
    return 0;
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`specsteer: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ModelInvalidError || error instanceof SpecSteerError) {
      process.stderr.write(`specsteer: ${error.code}: ${error.message}\n`);
      return 1;
    }
    const code = (error as { code?: unknown } | null)?.code;
    process.stderr.write(
      `specsteer: ${typeof code === 'string' ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
