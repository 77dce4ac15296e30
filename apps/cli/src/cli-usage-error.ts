/**
 * Exit statuses of `specsteer` (documented in apps/cli/README.md). Each error
 * the CLI reports is one line, `specsteer: CODE: message`, and one of these.
 */
export const EXIT = {
  ok: 0,
  /** The generation failed: the verifier or an engine reported an error during the run. */
  failed: 1,
  /** The command line or an input file (history, model) is unusable: fix the invocation. */
  usage: 2,
  /** The verifier could not be reached, is not a SpecSteer verifier, or refused the handshake. */
  unreachable: 3,
} as const;

/** An error the CLI reports itself: a stable code, a message that says what to change, an exit status. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command line or input file the CLI cannot use; the message says what to change. Exit status 2. */
export class CliUsageError extends CliError {
  constructor(message: string, code = 'USAGE') {
    super(code, message, EXIT.usage);
    this.name = 'CliUsageError';
  }
}

/** The verifier could not be used at all (exit status 3). */
export class VerifierUnreachableError extends CliError {
  constructor(code: string, message: string) {
    super(code, message, EXIT.unreachable);
    this.name = 'VerifierUnreachableError';
  }
}
