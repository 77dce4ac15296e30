// Small dependency-free SVG charts for the report: lines (x numeric) and grouped bars.

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
];
const W = 640;
const H = 360;
const M = { left: 60, right: 170, top: 36, bottom: 46 };

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function ticks(min: number, max: number, count = 5): number[] {
  if (max <= min) return [min];
  const raw = (max - min) / count;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= count) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-9; v += nice)
    out.push(Number(v.toPrecision(6)));
  return out;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(1)
    : String(Number(v.toPrecision(3)));

export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
  yMin?: number;
}): string {
  const all = options.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ysRaw = all.map(([, y]) => y).filter((y) => !options.logY || y > 0);
  const tf = (y: number) => (options.logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  let yMin = options.yMin ?? Math.min(...ysRaw.map(tf), options.logY ? Infinity : 0);
  let yMax = Math.max(...ysRaw.map(tf), yMin + 1e-9);
  if (!Number.isFinite(yMin)) yMin = 0;
  if (!Number.isFinite(yMax)) yMax = 1;
  if (options.logY) {
    yMin = Math.floor(yMin);
    yMax = Math.ceil(yMax);
  } else yMax *= 1.05;
  const px = (x: number) => M.left + ((x - xMin) / (xMax - xMin || 1)) * (W - M.left - M.right);
  const py = (y: number) =>
    H - M.bottom - ((tf(y) - yMin) / (yMax - yMin || 1)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="20" text-anchor="middle" font-size="14">${esc(options.title)}</text>`,
  );
  for (const t of ticks(xMin, xMax, 6)) {
    parts.push(
      `<line x1="${px(t)}" x2="${px(t)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`,
      `<text x="${px(t)}" y="${H - M.bottom + 14}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  const yTicks = options.logY
    ? Array.from({ length: yMax - yMin + 1 }, (_, i) => yMin + i)
    : ticks(yMin, yMax, 5);
  for (const t of yTicks) {
    const y = options.logY ? 10 ** t : t;
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  options.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = series.points.filter(([, y]) => Number.isFinite(y) && (!options.logY || y > 0));
    if (points.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''} points="${points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
        ...points.map(
          ([x, y]) =>
            `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`,
        ),
      );
    }
    const ly = M.top + 8 + i * 16;
    parts.push(
      `<line x1="${W - M.right + 10}" x2="${W - M.right + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${W - M.right + 35}" y="${ly + 4}">${esc(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export function barChart(options: {
  title: string;
  yLabel: string;
  groups: string[];
  bars: { name: string; values: (number | null)[] }[];
  yMax?: number;
}): string {
  const values = options.bars.flatMap((b) => b.values).filter((v): v is number => v !== null);
  const yMax = options.yMax ?? Math.max(...values, 1e-9) * 1.05;
  // Room below the axis for the slanted group labels.
  const H = 440;
  const M = { left: 60, right: 170, top: 36, bottom: 120 };
  const plotW = W - M.left - M.right;
  const groupW = plotW / Math.max(1, options.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, options.bars.length);
  const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="20" text-anchor="middle" font-size="14">${esc(options.title)}</text>`,
  ];
  for (const t of ticks(0, yMax, 5)) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  options.groups.forEach((group, g) => {
    const x0 = M.left + g * groupW + groupW * 0.1;
    options.bars.forEach((bar, i) => {
      const v = bar.values[g];
      if (v === null || v === undefined) return;
      parts.push(
        `<rect x="${(x0 + i * barW).toFixed(1)}" y="${py(v).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(H - M.bottom - py(v)).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
    });
    parts.push(
      `<text transform="translate(${(x0 + groupW * 0.4).toFixed(1)} ${H - M.bottom + 12}) rotate(50)" font-size="10">${esc(group)}</text>`,
    );
  });
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  options.bars.forEach((bar, i) => {
    const ly = M.top + 8 + i * 16;
    parts.push(
      `<rect x="${W - M.right + 10}" y="${ly - 6}" width="20" height="10" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${W - M.right + 35}" y="${ly + 4}">${esc(bar.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
