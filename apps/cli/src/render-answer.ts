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
 * The answer as it is committed, token by token: each token's text is the
 * growth of the detokenized prefix (so characters split over several
 * byte-fallback tokens come out whole), and each run of same-origin tokens is
 * marked — its opening marker written with its first visible text, its
 * closing marker when the origin changes or the answer ends.
 */
export class AnswerStream {
  private readonly shown: TokenId[] = [];
  private previous = '';
  private open: TokenOrigin | null = null;

  constructor(
    private readonly detokenize: (tokens: readonly TokenId[]) => string,
    private readonly options: RenderOptions,
    private readonly write: (text: string) => void,
  ) {}

  push(token: TokenId, origin: TokenOrigin): void {
    if (this.options.hidden?.has(token)) return;
    this.shown.push(token);
    const text = this.detokenize(this.shown);
    const piece = text.startsWith(this.previous) ? text.slice(this.previous.length) : text;
    this.previous = text;
    if (this.open !== null && this.open !== origin) this.closeRun();
    if (piece === '') return; // a byte token that only completes a character later
    const style = STYLE[origin];
    if (this.options.color) {
      this.write(`${style.ansi}${piece}${RESET}`);
      this.open = origin;
      return;
    }
    if (this.open === null) this.write(style.open);
    this.open = origin;
    this.write(piece);
  }

  /** Close the last run. */
  end(): void {
    this.closeRun();
  }

  private closeRun(): void {
    if (this.open !== null && !this.options.color) this.write(STYLE[this.open].close);
    this.open = null;
  }
}

/** The whole answer at once (what the stream writes, concatenated). */
export function renderAnswer(
  tokens: readonly TokenId[],
  origins: readonly TokenOrigin[],
  detokenize: (tokens: readonly TokenId[]) => string,
  options: RenderOptions,
): string {
  let out = '';
  const stream = new AnswerStream(detokenize, options, (text) => (out += text));
  tokens.forEach((token, i) => stream.push(token, origins[i] ?? 'accepted'));
  stream.end();
  return out;
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

/**
 * The one-line summary: tokens, rounds, acceptance, and what the time counts —
 * the generation (the small model's prefill, the handshake and every round),
 * apart from the start-up before it (loading the small model, starting a
 * local verifier), which is reported on its own when given.
 */
export function renderSummary(
  metrics: RunMetrics,
  origins: readonly TokenOrigin[],
  startupMs?: number,
): string {
  const count = (origin: TokenOrigin) => origins.filter((o) => o === origin).length;
  return (
    `tokens ${metrics.tokens} · rounds ${metrics.rounds} · ` +
    `acceptance ${(metrics.acceptanceRate * 100).toFixed(1)}% ` +
    `(accepted ${count('accepted')}, corrected ${count('corrected')}, steered ${count('steered')}) · ` +
    `generation ${(metrics.totalMs / 1000).toFixed(2)} s = ${metrics.tokensPerSecond.toFixed(1)} tokens/s ` +
    `(prefill, handshake, rounds)` +
    (startupMs !== undefined
      ? ` · start-up ${(startupMs / 1000).toFixed(2)} s (models, verifier)`
      : '') +
    (metrics.resumes > 0 ? ` · resumed ${metrics.resumes}×` : '')
  );
}
