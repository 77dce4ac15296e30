import type { RunMetrics, TokenId, TokenOrigin } from '@specsteer/core';

/** How each kind of token is shown: ANSI colour on a terminal, bracket markers otherwise. */
const STYLE: Record<TokenOrigin, { ansi: string; open: string; close: string; meaning: string }> = {
  accepted: {
    ansi: '\x1b[32m',
    open: '',
    close: '',
    meaning: 'drafted on the device, accepted by the cloud',
  },
  corrected: { ansi: '\x1b[33m', open: '[', close: ']', meaning: "the cloud's correction" },
  steered: {
    ansi: '\x1b[35;4m',
    open: '{',
    close: '}',
    meaning: 'recovered from the correction, steered by private history',
  },
  local: { ansi: '\x1b[36m', open: '', close: '', meaning: 'device model only' },
  cloud: { ansi: '\x1b[34m', open: '', close: '', meaning: 'cloud model only' },
  exact: {
    ansi: '\x1b[37m',
    open: '',
    close: '',
    meaning: 'exact fusion target (reference decoder)',
  },
};
const RESET = '\x1b[0m';

export interface RenderOptions {
  /** ANSI colours (a TTY) instead of bracket markers. */
  color: boolean;
  /** Tokens left out of the text (the stop token `<|end|>`). */
  hidden?: ReadonlySet<TokenId>;
}

/**
 * The answer with each run of same-origin tokens marked. Each token's text is
 * the growth of the detokenized prefix, so characters split over several
 * byte-fallback tokens come out whole.
 */
export function renderAnswer(
  tokens: readonly TokenId[],
  origins: readonly TokenOrigin[],
  detokenize: (tokens: readonly TokenId[]) => string,
  options: RenderOptions,
): string {
  const pieces: { text: string; origin: TokenOrigin }[] = [];
  const shown: TokenId[] = [];
  let previous = '';
  tokens.forEach((token, i) => {
    if (options.hidden?.has(token)) return;
    shown.push(token);
    const text = detokenize(shown);
    const piece = text.startsWith(previous) ? text.slice(previous.length) : text;
    previous = text;
    const origin = origins[i] ?? 'accepted';
    const last = pieces.at(-1);
    if (last !== undefined && last.origin === origin) last.text += piece;
    else pieces.push({ text: piece, origin });
  });
  return pieces
    .filter(({ text }) => text !== '') // a byte token that only completes a character later
    .map(({ text, origin }) => {
      const style = STYLE[origin];
      return options.color ? `${style.ansi}${text}${RESET}` : `${style.open}${text}${style.close}`;
    })
    .join('');
}

/** One line per kind of token present in a SpecSteer answer. */
export function renderLegend(color: boolean): string {
  return (['accepted', 'corrected', 'steered'] as const)
    .map((origin) => {
      const style = STYLE[origin];
      const sample = color
        ? `${style.ansi}${origin}${RESET}`
        : `${style.open}${origin}${style.close}`;
      return `${sample} = ${style.meaning}`;
    })
    .join(' · ');
}

/** The one-line summary: tokens, rounds, acceptance, tokens/s. */
export function renderSummary(metrics: RunMetrics, origins: readonly TokenOrigin[]): string {
  const count = (origin: TokenOrigin) => origins.filter((o) => o === origin).length;
  return (
    `tokens ${metrics.tokens} · rounds ${metrics.rounds} · ` +
    `acceptance ${(metrics.acceptanceRate * 100).toFixed(1)}% ` +
    `(accepted ${count('accepted')}, corrected ${count('corrected')}, steered ${count('steered')}) · ` +
    `${metrics.tokensPerSecond.toFixed(1)} tokens/s · ${(metrics.totalMs / 1000).toFixed(2)} s` +
    (metrics.resumes > 0 ? ` · resumed ${metrics.resumes}×` : '')
  );
}
