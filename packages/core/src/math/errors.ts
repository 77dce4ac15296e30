// One coded error for bad input to the Draft–Verify–Recover math, so that the
// verifier can map it onto a protocol error and a person can see what to fix.

export type MathErrorCode =
  | 'invalid_distribution'
  | 'invalid_scores'
  | 'invalid_draft'
  | 'invalid_sampling'
  | 'invalid_correction'
  | 'invalid_seed';

export class MathInputError extends Error {
  readonly code: MathErrorCode;

  constructor(code: MathErrorCode, message: string) {
    super(message);
    this.name = 'MathInputError';
    this.code = code;
  }
}
