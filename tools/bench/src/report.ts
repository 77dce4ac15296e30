// The markdown report and its SVG plots, from the results alone (so a JSON
// from any run can be re-rendered).

import type { BenchResults, ConditionResult } from './harness.ts';
import type { Method } from './methods.ts';
import { barChart, lineChart } from './svg.ts';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}`);
const num = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export interface RenderedReport {
  markdown: string;
  /** File name → SVG text. */
  plots: Record<string, string>;
}

export function renderReport(results: BenchResults, command: string): RenderedReport {
  const { config } = results;
  const modes = ['greedy', 'sampled'] as const;
  const plots: Record<string, string> = {};
  const md: string[] = [];
  const quality = (method: Method, mode: string) =>
    results.conditions.find(
      (c) => c.phase === 'quality' && c.condition.method === method && c.mode === mode,
    );
  const latency = (method: Method, mode: string, rtt: number) =>
    results.conditions.find(
      (c) =>
        c.phase === 'latency' &&
        c.condition.method === method &&
        c.mode === mode &&
        c.condition.rttMs === rtt,
    );

  md.push(
    `# SpecSteer benchmark — ${config.mode} mode`,
    '',
    `Command: \`${command}\`  `,
    `Base seed ${config.baseSeed} (task i uses taskSeed(base, i)); input: ${config.input}; ` +
      `${config.qualityTasks} quality tasks, ${config.latencyTasks} latency tasks, ${config.sweepTasks} sweep tasks; ` +
      `k = ${config.k}, top-K = ${config.topK}, α = ${config.alpha}, sampled T = ${config.sampledTemperature}, ` +
      `max ${config.maxTokens} tokens, jitter ${config.jitterMs} ms.  `,
    `Run ${results.startedAt} → ${results.finishedAt} on ${results.machine.cpus} CPUs (${results.machine.platform}, Node ${results.machine.node}); ` +
      `models ${results.models.small} (device: q and s) / ${results.models.large} (target p, in the verifier process), vocabulary ${results.models.vocabSize}, context ${results.models.contextSize}.`,
    '',
    'SpecSteer and token-level fusion run over the real verifier (apps/verifier, embedded llama.cpp backend, a child process) ' +
      'on a real WebSocket on loopback, with the latency injected on the device side (half the RTT each way). ' +
      'Cloud-only, local-only and exact π run in process: their times at an RTT are the measured compute plus the round trips ' +
      'they need (cloud-only: one request; marked *modeled*). Exact π (full p every token) is the reference, not a deployable method. ' +
      'Wall time covers context prefill, handshake, every round and the closing exchange; round trips count draft → verdict ' +
      'exchanges only (not the handshake). These are tiny models on a shared CPU: speed ratios here overstate what a 0.5B/7B ' +
      'deployment gets (see the projection).',
    '',
  );

  // ── speedups ──
  md.push(
    '## Speedup over token-level fusion (same tasks, same RTT, same mode)',
    '',
    'Measured tokens/s ratio in the latency phase (token fusion’s tokens/s in its row). In brackets: the same ratio from the ' +
      'quality phase’s RTT-0 runs (more tasks) plus (rounds + 2) × RTT, steadier on a loaded machine; only where rounds do not depend on the RTT.',
    '',
  );
  for (const mode of modes) {
    const rows = results.speedups.filter((r) => r.mode === mode);
    const methods = [...new Set(rows.map((r) => r.method))];
    md.push(`### ${mode}`, '');
    md.push(
      table(
        ['method', ...config.rtts.map((r) => `RTT ${r} ms`)],
        methods.map((method) => [
          method + (rows.find((r) => r.method === method)?.modeled ? ' (modeled)' : ''),
          ...config.rtts.map((rtt) => {
            const row = rows.find((r) => r.method === method && r.rttMs === rtt);
            if (row === undefined) return '—';
            const additive =
              row.additiveSpeedupOverFusion != null && row.method !== 'token-fusion'
                ? ` [${num(row.additiveSpeedupOverFusion)}×]`
                : '';
            return `${num(row.speedupOverFusion)}× (${num(row.tokensPerSecond, 1)} tok/s)${additive}`;
          }),
        ]),
      ),
      '',
    );
    const name = `speedup-vs-rtt-${mode}.svg`;
    plots[name] = lineChart({
      title: `Speedup over token-level fusion vs RTT (${mode})`,
      xLabel: 'added round-trip time (ms)',
      yLabel: 'speedup (×)',
      // Methods of fusion's quality only: cloud-/local-only (other answers) are in the table.
      series: methods
        .filter((method) => method !== 'cloud-only' && method !== 'local-only')
        .map((method) => ({
          name: method,
          dashed: rows.find((r) => r.method === method)?.modeled ?? false,
          points: rows
            .filter((r) => r.method === method && r.speedupOverFusion !== null)
            .map((r) => [r.rttMs, r.speedupOverFusion!] as [number, number]),
        })),
    });
    md.push(`![speedup vs RTT, ${mode}](${name})`, '');
  }

  // ── per method ──
  md.push(
    '## Per method',
    '',
    `Quality phase (${config.qualityTasks} tasks, RTT 0); tokens/s also at RTT 50 ms from the latency phase where measured. ` +
      'TV is the mean TV(emitted law, π) at the sampled temperature and the run’s top-K (exact law, tail samples on). ' +
      '"Discarded drafts" is the share of drafted tokens sent to the cloud that never reached the output.',
    '',
  );
  const fid = results.fidelity.byMethod[0];
  const tvOf = (method: Method) => {
    if (fid === undefined) return null;
    if (method.startsWith('specsteer')) return fid.specsteer.mean;
    return (
      {
        'token-fusion': fid.tokenFusion.mean,
        'cloud-only': fid.cloudOnly.mean,
        'local-only': fid.localOnly.mean,
        'exact-pi': 0,
      } as Record<string, number>
    )[method]!;
  };
  for (const mode of modes) {
    md.push(`### ${mode}`, '');
    md.push(
      table(
        [
          'method',
          'fact %',
          'persona %',
          'ROUGE-L',
          'tok/s RTT 0',
          'tok/s RTT 50',
          'round trips /100 tok',
          'tok / round trip',
          '÷ (k+1)',
          'up B/tok',
          'down B/tok',
          'TV mean',
          'discarded drafts',
        ],
        config.methods.map((method) => {
          const c = quality(method, mode);
          if (c === undefined) return [method, ...new Array<string>(12).fill('—')];
          const at50 = latency(method, mode, 50);
          return [
            method,
            pct(c.quality.factAccuracy),
            pct(c.quality.personaRecall),
            num(c.quality.rougeL, 3),
            num(c.tokensPerSecond, 1) + (c.modeled ? '*' : ''),
            at50 ? num(at50.tokensPerSecond, 1) : '—',
            c.rounds > 0
              ? num(c.roundTripsPer100Tokens, 1)
              : method === 'cloud-only'
                ? '1 per answer'
                : '0',
            c.rounds > 0 ? num(c.tokensPerRoundTrip) : '—',
            c.ratioToKPlus1 !== null && c.condition.k > 0 ? num(c.ratioToKPlus1) : '—',
            c.rounds > 0 ? num(c.uplinkBytesPerToken, 0) : '—',
            c.rounds > 0 ? num(c.downlinkBytesPerToken, 0) : '—',
            mode === 'sampled' ? num(tvOf(method), 4) : '—',
            c.discardedDraftShare === null ? '—' : pct(c.discardedDraftShare) + ' %',
          ];
        }),
      ),
      '',
    );
  }
  plots['quality.svg'] = barChart({
    title: 'Quality per method (quality phase, RTT 0)',
    yLabel: 'score',
    yMax: 1,
    groups: modes.flatMap((mode) =>
      config.methods.map((m) => `${m} ${mode === 'greedy' ? 'g' : 's'}`),
    ),
    bars: (['factAccuracy', 'personaRecall', 'rougeL'] as const).map((key) => ({
      name: key,
      values: modes.flatMap((mode) =>
        config.methods.map((m) => quality(m, mode)?.quality[key] ?? null),
      ),
    })),
  });
  md.push('![quality per method](quality.svg)', '');

  // ── quality vs exact π and the better baseline ──
  md.push('## Quality against exact π and the better baseline', '');
  md.push(
    'Differences in points (method − reference); the better baseline is, per score, the higher of cloud-only and local-only.',
    '',
  );
  for (const mode of modes) {
    const exact = quality('exact-pi', mode);
    const cloud = quality('cloud-only', mode);
    const local = quality('local-only', mode);
    const keys = ['factAccuracy', 'personaRecall', 'rougeL'] as const;
    const better = (key: (typeof keys)[number]) =>
      Math.max(cloud?.quality[key] ?? -Infinity, local?.quality[key] ?? -Infinity);
    const diff = (a: number | null | undefined, b: number | null | undefined) =>
      a === null || a === undefined || b === null || b === undefined || !Number.isFinite(b)
        ? '—'
        : `${a - b >= 0 ? '+' : ''}${((a - b) * 100).toFixed(1)}`;
    md.push(`### ${mode}`, '');
    md.push(
      table(
        ['method', ...keys.map((k) => `${k} vs π`), ...keys.map((k) => `${k} vs best baseline`)],
        config.methods.map((method) => {
          const c = quality(method, mode);
          return [
            method,
            ...keys.map((k) => diff(c?.quality[k], exact?.quality[k])),
            ...keys.map((k) => diff(c?.quality[k], better(k))),
          ];
        }),
      ),
      '',
    );
  }

  // ── where the time goes ──
  md.push(
    '## Where the time goes, per round',
    '',
    'Mean ms per round (latency phase): run totals divided by rounds. drafting = q on the device (and committing); reference = s on the public context (device); ' +
      'network = waiting on the verifier minus its scoring, the set-up exchange included (RTT = the delay added on purpose; the rest is loopback, codec, server handling and timer slack); ' +
      'target = the verifier’s scoring (its verdict timing); recovery = the device’s acceptance test and recovery; ' +
      'other = wall per round − the parts (prefill and the closing exchange; negative when pipelined drafting overlaps the network).',
    '',
  );
  const breakdownRows: string[][] = [];
  for (const rtt of config.rtts) {
    for (const mode of modes) {
      for (const method of [
        'token-fusion',
        'specsteer',
        'specsteer-pipelined',
        'specsteer-adaptive',
      ] as Method[]) {
        const c = latency(method, mode, rtt);
        if (c?.perRound == null) continue;
        const p = c.perRound;
        const other =
          p.wallMs - p.draftingMs - p.referenceMs - p.networkMs - p.targetMs - p.recoveringMs;
        breakdownRows.push([
          String(rtt),
          mode,
          method,
          num(c.meanDraft, 1),
          num(p.wallMs, 1),
          num(p.draftingMs, 1),
          num(p.referenceMs, 1),
          `${num(p.networkMs, 1)} (${num(p.injectedMs, 0)})`,
          num(p.targetMs, 1),
          num(p.recoveringMs, 2),
          num(other, 1),
          pct(c.pipelinedShare),
        ]);
      }
    }
  }
  md.push(
    table(
      [
        'RTT',
        'mode',
        'method',
        'mean k',
        'wall',
        'drafting',
        'reference',
        'network (RTT)',
        'target',
        'recovery',
        'other',
        'pipelined rounds %',
      ],
      breakdownRows,
    ),
    '',
  );

  // ── k sweep ──
  const kRows = results.conditions.filter((c) => c.phase === 'k');
  if (kRows.length > 0) {
    md.push('## Draft length k (RTT 0, SpecSteer)', '');
    md.push(
      table(
        [
          'mode',
          'k',
          'tok / round trip',
          '÷ (k+1)',
          'acceptance',
          'discarded drafts',
          'fact %',
          'persona %',
          'ROUGE-L',
          'tok/s (RTT 0)',
        ],
        kRows.map((c) => [
          c.mode,
          String(c.condition.k),
          num(c.tokensPerRoundTrip),
          num(c.ratioToKPlus1),
          num(c.acceptance),
          pct(c.discardedDraftShare) + ' %',
          pct(c.quality.factAccuracy),
          pct(c.quality.personaRecall),
          num(c.quality.rougeL, 3),
          num(c.tokensPerSecond, 1),
        ]),
      ),
      '',
    );
    plots['tokens-per-round-trip-vs-k.svg'] = lineChart({
      title: 'Tokens committed per round trip vs k',
      xLabel: 'draft tokens per round (k)',
      yLabel: 'tokens per round trip',
      series: [
        ...modes.map((mode) => ({
          name: mode,
          points: kRows
            .filter((c) => c.mode === mode)
            .map((c) => [c.condition.k, c.tokensPerRoundTrip] as [number, number]),
        })),
        {
          name: 'k + 1 (ceiling)',
          dashed: true,
          points: config.kSweep.map((k) => [k, k + 1] as [number, number]),
        },
      ],
    });
    md.push('![tokens per round trip vs k](tokens-per-round-trip-vs-k.svg)', '');
    md.push(
      'Best k per RTT (tokens/s predicted from the k sweep’s measured RTT-0 time plus (rounds + 2) × RTT; the additivity check below validates that model):',
      '',
    );
    md.push(
      table(
        ['mode', ...config.rtts.map((r) => `RTT ${r}`)],
        modes.map((mode) => [
          mode,
          ...config.rtts.map((rtt) => {
            const b = results.bestK.find((x) => x.mode === mode && x.rttMs === rtt);
            return b === undefined ? '—' : `k = ${b.bestK}`;
          }),
        ]),
      ),
      '',
    );
  }

  // ── α, temperature, top-K ──
  const sweepTable = (
    phase: 'alpha' | 'temperature' | 'topK',
    label: string,
    value: (c: ConditionResult) => string,
  ) => {
    const rows = results.conditions.filter((c) => c.phase === phase);
    if (rows.length === 0) return;
    md.push(`## ${label} (RTT 0, SpecSteer, k = ${config.k})`, '');
    md.push(
      table(
        [
          label,
          'mode',
          'fact %',
          'persona %',
          'ROUGE-L',
          'tok / round trip',
          'acceptance',
          'discarded drafts',
          'down B/tok',
        ],
        rows.map((c) => [
          value(c),
          c.mode,
          pct(c.quality.factAccuracy),
          pct(c.quality.personaRecall),
          num(c.quality.rougeL, 3),
          num(c.tokensPerRoundTrip),
          num(c.acceptance),
          pct(c.discardedDraftShare) + ' %',
          num(c.downlinkBytesPerToken, 0),
        ]),
      ),
      '',
    );
  };
  sweepTable('alpha', 'α', (c) => String(c.condition.alpha));
  sweepTable('temperature', 'temperature', (c) => String(c.condition.temperature));
  sweepTable('topK', 'top-K', (c) => String(c.condition.topK));

  // ── fidelity ──
  md.push('## Fidelity: TV(emitted law, π)', '');
  for (const f of results.fidelity.byMethod) {
    md.push(
      `At T = ${f.temperature}, K = ${f.topK}, α = ${f.alpha} over ${f.positions} answer positions (mean / p99 / max):`,
      '',
      table(
        ['method', 'TV mean', 'p99', 'max'],
        (
          [
            ['SpecSteer (all variants: same law)', f.specsteer],
            ['token-level fusion (π̂ of a top-K correction)', f.tokenFusion],
            ['cloud-only (p top-K)', f.cloudOnly],
            ['local-only (q)', f.localOnly],
            ['exact π', f.exactPi],
          ] as const
        ).map(([name, s]) => [name, num(s.mean, 4), num(s.p99, 4), num(s.max, 4)]),
      ),
      '',
    );
  }
  if (results.fidelity.byTopK.length > 0) {
    md.push(
      table(
        ['T', 'top-K', 'tail sample', 'TV mean', 'p99', 'max'],
        results.fidelity.byTopK.map((r) => [
          String(r.temperature),
          String(r.topK),
          r.tailSample ? 'yes (llama.cpp)' : 'no (vLLM)',
          r.tv.mean.toExponential(2),
          r.tv.p99.toExponential(2),
          r.tv.max.toExponential(2),
        ]),
      ),
      '',
    );
    plots['fidelity-tv-vs-k.svg'] = lineChart({
      title: 'SpecSteer TV(emitted law, π) vs top-K',
      xLabel: 'top-K',
      yLabel: 'mean TV (log scale)',
      logY: true,
      series: [
        ...new Set(results.fidelity.byTopK.map((r) => `${r.temperature}|${r.tailSample}`)),
      ].map((key) => {
        const [t, tail] = key.split('|');
        return {
          name: `T ${t}, ${tail === 'true' ? 'tail sample' : 'no tail'}`,
          dashed: tail !== 'true',
          points: results.fidelity.byTopK
            .filter((r) => String(r.temperature) === t && String(r.tailSample) === tail)
            .map((r) => [r.topK, r.tv.mean] as [number, number]),
        };
      }),
    });
    md.push('![fidelity TV vs K](fidelity-tv-vs-k.svg)', '');
  }

  // ── projection ──
  const proj = results.projection;
  md.push(
    '## Projection to real model sizes',
    '',
    '```',
    proj.formula,
    '```',
    '',
    `Measured costs (this run, SpecSteer greedy at RTT 0): d = ${num(proj.measuredCosts.deviceMsPerToken)} ms, b = ${num(proj.measuredCosts.deviceMsPerBatch)} ms, ` +
      `c = ${num(proj.measuredCosts.cloudMsPerPass)} ms, ρ = ${num(proj.measuredCosts.recoveryMs, 3)} ms.  `,
    `Assumed costs for a 0.5B drafter / 7B target (flags --project-*): d = ${proj.assumedCosts.deviceMsPerToken} ms, b = ${proj.assumedCosts.deviceMsPerBatch} ms, c = ${proj.assumedCosts.cloudMsPerPass} ms. ` +
      'τ, φ and the acceptance come from this run’s tiny pair (a real pair accepts differently).',
    '',
  );
  for (const mode of modes) {
    const rows = proj.rows.filter((r) => r.mode === mode);
    if (rows.length === 0) continue;
    const methods = [...new Set(rows.map((r) => r.method))];
    md.push(
      `### ${mode}: projected speedup over token-level fusion (measured speedup in brackets)`,
      '',
    );
    md.push(
      table(
        ['method', ...config.rtts.map((r) => `RTT ${r}`)],
        methods.map((method) => [
          method,
          ...config.rtts.map((rtt) => {
            const assumed = rows.find(
              (r) => r.method === method && r.rttMs === rtt && r.costs === 'assumed',
            );
            const measuredCosts = rows.find(
              (r) => r.method === method && r.rttMs === rtt && r.costs === 'measured',
            );
            const measured = results.speedups.find(
              (r) => r.method === method && r.rttMs === rtt && r.mode === mode,
            );
            return `0.5B/7B ${num(assumed?.speedupOverFusion)}× · this pair ${num(measuredCosts?.speedupOverFusion)}× [${num(measured?.speedupOverFusion)}×]`;
          }),
        ]),
      ),
      '',
    );
  }

  // ── additivity ──
  if (results.additivityCheck.length > 0) {
    md.push(
      '## Additivity check',
      '',
      'Measured wall time at each RTT against RTT-0 time + (rounds + 2) × RTT (greedy rounds do not change with the RTT; adaptive’s k does).',
      '',
      table(
        ['mode', 'method', 'RTT', 'predicted s', 'measured s', 'measured / predicted'],
        results.additivityCheck.map((a) => [
          a.mode,
          a.method,
          String(a.rttMs),
          num(a.predictedMs / 1000),
          num(a.measuredMs / 1000),
          num(a.measuredMs / a.predictedMs),
        ]),
      ),
      '',
    );
  }
  md.push(
    'Every number above, and per-task samples, are in results.json (fields: tools/bench/README.md).',
    '',
  );
  return { markdown: md.join('\n'), plots };
}
