import type { TokenOrigin } from '@specsteer/core';

export interface TurnStats {
  tokens: number;
  counts: Record<TokenOrigin, number>;
  tokensPerSecond: number;
  rounds?: number;
  tokensPerRound?: number;
  acceptance?: number;
  drafterTokensPerSecond?: number;
  totalMs?: number;
  deviceDecoded?: number;
  engineTokensPerSecond?: number;
  promptTokens?: number;
  finish?: string;
}

export function Stats({ stats }: { stats: TurnStats }) {
  const c = stats.counts;
  return (
    <dl class="stats" data-testid="stats">
      <div>
        <dt>tokens</dt>
        <dd data-testid="stat-tokens">{stats.tokens}</dd>
      </div>
      <div>
        <dt>tokens/s</dt>
        <dd data-testid="stat-tps">{stats.tokensPerSecond.toFixed(1)}</dd>
      </div>
      {stats.rounds !== undefined && (
        <div>
          <dt>rounds</dt>
          <dd data-testid="stat-rounds">{stats.rounds}</dd>
        </div>
      )}
      {stats.tokensPerRound !== undefined && (
        <div>
          <dt>tokens/round</dt>
          <dd data-testid="stat-tpr">{stats.tokensPerRound.toFixed(2)}</dd>
        </div>
      )}
      {stats.acceptance !== undefined && (
        <div>
          <dt>acceptance</dt>
          <dd data-testid="stat-acceptance">{(stats.acceptance * 100).toFixed(0)} %</dd>
        </div>
      )}
      <div>
        <dt>accepted · corrected · steered · local</dt>
        <dd data-testid="stat-origins">
          {c.accepted} · {c.corrected} · {c.steered} · {c.local}
        </dd>
      </div>
      {stats.drafterTokensPerSecond !== undefined && (
        <div>
          <dt>drafter tokens/s</dt>
          <dd data-testid="stat-draft-tps">{stats.drafterTokensPerSecond.toFixed(0)}</dd>
        </div>
      )}
      {stats.engineTokensPerSecond !== undefined && (
        <div>
          <dt>engine tokens/s</dt>
          <dd data-testid="stat-engine-tps">{stats.engineTokensPerSecond.toFixed(0)}</dd>
        </div>
      )}
      {stats.deviceDecoded !== undefined && (
        <div>
          <dt>device decoded</dt>
          <dd
            data-testid="stat-decoded"
            title="tokens the drafter evaluated: both prompts once, then each round's new tokens"
          >
            {stats.deviceDecoded} (prompts {stats.promptTokens})
          </dd>
        </div>
      )}
    </dl>
  );
}
