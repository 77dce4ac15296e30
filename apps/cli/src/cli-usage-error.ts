/** A command line or input file the CLI cannot use; the message says what to change. Exit status 2. */
export class CliUsageError extends Error {
  readonly code = 'USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
