// `specsteer`: the Node command line of SpecSteer. One command today:
// `specsteer generate --history FILE --prompt TEXT [--server ws://…]`.

import { PROTOCOL_VERSION, SpecSteerError } from '@specsteer/protocol';
import { ModelInvalidError } from '@specsteer/llama';
import { CliError, EXIT } from './cli-usage-error.ts';
import { GENERATE_USAGE, parseGenerateArgs } from './parse-generate-args.ts';
import { CLI_VERSION } from './version.ts';

const USAGE = `usage: specsteer <command> [options]
       specsteer --version

commands:
  generate    write an answer: drafted on this machine with your private history, verified by a cloud verifier

exit status: 0 done · 1 the generation failed · 2 fix the command line or an input file ·
             3 the verifier cannot be reached, is not a SpecSteer verifier, or refused the handshake

${GENERATE_USAGE}`;

/** Run the CLI; resolves to the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`specsteer ${CLI_VERSION} (protocol ${PROTOCOL_VERSION})\n`);
    return EXIT.ok;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command !== 'generate') {
    return report('USAGE', `unknown command "${command}" (try specsteer --help)`, EXIT.usage);
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${GENERATE_USAGE}\n`);
      return EXIT.ok;
    }
    const args = parseGenerateArgs(rest);
    // Loaded after the arguments are checked: node-llama-cpp takes a second to import.
    const { generate } = await import('./generate.ts');
    await generate(args, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      // pnpm runs package scripts in the package folder and keeps the caller's folder here.
      cwd: process.env.INIT_CWD ?? process.cwd(),
    });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) return report(error.code, error.message, error.exitCode);
    if (error instanceof ModelInvalidError) {
      return report(error.code, `${error.path}: ${error.reason}`, EXIT.usage);
    }
    if (error instanceof SpecSteerError) return report(error.code, error.message, EXIT.failed);
    const code = (error as { code?: unknown } | null)?.code;
    return report(
      typeof code === 'string' ? code : 'INTERNAL',
      error instanceof Error ? error.message : String(error),
      EXIT.failed,
    );
  }
}

/** The one error format: `specsteer: CODE: message`, the code never repeated in the message. */
function report(code: string, message: string, exitCode: number): number {
  const text = message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
  process.stderr.write(`specsteer: ${code}: ${text}\n`);
  return exitCode;
}

process.exitCode = await main(process.argv.slice(2));
