/** One error type with a stable code, so callers can tell bad input from bugs. */
export const PERSONAWORLD_ERROR_CODES = ['bad_argument', 'bad_eval_task', 'bad_task'] as const;
export type PersonaWorldErrorCode = (typeof PERSONAWORLD_ERROR_CODES)[number];

export class PersonaWorldError extends Error {
  constructor(
    readonly code: PersonaWorldErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'PersonaWorldError';
  }
}
