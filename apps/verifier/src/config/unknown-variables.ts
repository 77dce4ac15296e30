import { CONFIG_FILE_VARIABLE, CONFIG_KEYS, environmentVariable } from './environment.ts';

// SPECSTEER_* variables the verifier does not read are almost always typos
// (SPECSTEER_MAX_DRAFT_TOKEN for …_TOKENS), which would otherwise leave a
// limit silently at its default. Reported at start with the nearest name.

/** Read by docker compose or other tools of the repository, not by the verifier: not typos. */
const OTHER_TOOLS = new Set([
  'SPECSTEER_MODELS_DIR',
  'SPECSTEER_STOP_GRACE_PERIOD',
  'SPECSTEER_PUBLISH_PORT',
  'SPECSTEER_EMBEDDED_PUBLISH_PORT',
  'SPECSTEER_TARGET_MODEL',
  'SPECSTEER_REFERENCE_MODEL',
  'SPECSTEER_MAX_LOGPROBS',
  'SPECSTEER_MAX_MODEL_LEN',
  'SPECSTEER_VOCAB_SIZE',
  'SPECSTEER_CHROMIUM',
  // The small model's path for the device side (tests, the web server's drafter) since protocol 2.
  'SPECSTEER_REFERENCE_MODEL_PATH',
]);

const KNOWN = [...CONFIG_KEYS.map(environmentVariable), CONFIG_FILE_VARIABLE];

export interface UnknownVariable {
  variable: string;
  /** The verifier's variable nearest to it, when one is close. */
  suggestion?: string;
}

/** SPECSTEER_* variables in `env` that the verifier does not read. */
export function unknownVariables(env: Record<string, string | undefined>): UnknownVariable[] {
  const known = new Set(KNOWN);
  const found: UnknownVariable[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith('SPECSTEER_') || known.has(variable) || OTHER_TOOLS.has(variable)) {
      continue;
    }
    let best: { name: string; distance: number } | undefined;
    for (const name of KNOWN) {
      const distance = editDistance(variable, name);
      if (best === undefined || distance < best.distance) best = { name, distance };
    }
    // Close: a few edits, or one name contains the other (…_TOKEN vs …_TOKENS).
    const close =
      best !== undefined &&
      (best.distance <= 3 || best.name.includes(variable) || variable.includes(best.name));
    found.push(close ? { variable, suggestion: best!.name } : { variable });
  }
  return found;
}

/** One warning line per unknown variable. */
export function describeUnknownVariable({ variable, suggestion }: UnknownVariable): string {
  return suggestion === undefined
    ? `${variable} is not a verifier variable and is ignored`
    : `${variable} is not a verifier variable and is ignored; did you mean ${suggestion}?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
