import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics of one verifier instance. Only counts, durations and
// error codes: never a token, a text or an id that could identify a user.
// One registry per app so that several apps (tests) never share counters.

export class VerifierMetrics {
  readonly registry = new Registry();
  private readonly rounds: Counter;
  private readonly draftTokens: Counter;
  private readonly acceptedTokens: Counter;
  private readonly verifyDuration: Histogram;
  private readonly openSessions: Gauge;
  private readonly openConnections: Gauge;
  private readonly errors: Counter<'code'>;
  private readonly rejectedUpgrades: Counter<'reason'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.rounds = new Counter({
      name: 'specsteer_rounds_total',
      help: 'Draft rounds verified.',
      registers,
    });
    this.draftTokens = new Counter({
      name: 'specsteer_draft_tokens_total',
      help: 'Draft tokens received for verification.',
      registers,
    });
    this.acceptedTokens = new Counter({
      name: 'specsteer_accepted_tokens_total',
      help: 'Draft tokens the devices kept (their acceptance test), counted when they report them.',
      registers,
    });
    this.verifyDuration = new Histogram({
      name: 'specsteer_verify_duration_seconds',
      help: 'Time to verify one draft round (the target scoring pass and the corrections).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.openSessions = new Gauge({
      name: 'specsteer_open_sessions',
      help: 'Sessions open now.',
      registers,
    });
    this.openConnections = new Gauge({
      name: 'specsteer_open_connections',
      help: 'WebSocket connections open now.',
      registers,
    });
    this.errors = new Counter({
      name: 'specsteer_errors_total',
      help: 'Protocol errors sent to clients, by code.',
      labelNames: ['code'],
      registers,
    });
    this.rejectedUpgrades = new Counter({
      name: 'specsteer_rejected_upgrades_total',
      help: 'WebSocket upgrades refused before a connection opened, by reason.',
      labelNames: ['reason'],
      registers,
    });
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'specsteer_' });
  }

  roundVerified(draftTokens: number, seconds: number): void {
    this.rounds.inc();
    this.draftTokens.inc(draftTokens);
    this.verifyDuration.observe(seconds);
  }

  tokensKept(acceptedTokens: number): void {
    this.acceptedTokens.inc(acceptedTokens);
  }

  sessionOpened(): void {
    this.openSessions.inc();
  }

  sessionClosed(count = 1): void {
    this.openSessions.dec(count);
  }

  connectionOpened(): void {
    this.openConnections.inc();
  }

  connectionClosed(): void {
    this.openConnections.dec();
  }

  errorSent(code: string): void {
    this.errors.inc({ code });
  }

  upgradeRejected(reason: string): void {
    this.rejectedUpgrades.inc({ reason });
  }

  /** The Prometheus text exposition and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
