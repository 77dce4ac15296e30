/**
 * A model file that llama.cpp must not be handed: it would abort the process
 * (a native assert) or fail deep inside the engine. `code` is stable;
 * `message` names the file and what to fix.
 */
export class ModelInvalidError extends Error {
  readonly code = 'MODEL_INVALID' as const;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`MODEL_INVALID: ${path}: ${reason}`);
    this.name = 'ModelInvalidError';
  }
}
