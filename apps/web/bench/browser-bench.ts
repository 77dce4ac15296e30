// Prints the web app's numbers in headless Chromium against the real server on
// loopback: page load → model ready → first answer, end-to-end tokens/s per
// answer, the drafter's tokens/s (wllama in the worker, draft + s scoring +
// page↔worker messages), tokens the device decoded vs one prefill of the
// prompts (KV reuse), and the built app's size.
//   pnpm --filter @specsteer/web bench

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { buildDemoPersonas } from '../scripts/demoPersonas.ts';
import { freePort, launchBrowser, REPO_ROOT, ServerProcess } from '../test/harness.ts';

const root = join(REPO_ROOT, 'apps/web');
await build({ root, configLoader: 'runner', logLevel: 'warn' });
const sizes = readdirSync(join(root, 'dist/assets')).map(
  (f) => [f, statSync(join(root, 'dist/assets', f)).size] as const,
);
const total = sizes.reduce((a, [, s]) => a + s, 0);
const initial = sizes
  .filter(([f]) => !f.startsWith('lib-') && !f.startsWith('webllm'))
  .reduce((a, [, s]) => a + s, 0);

const server = new ServerProcess(await freePort());
await server.start();
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  const t0 = Date.now();
  await page.goto(server.url);
  await page.getByTestId('engine-ready').waitFor({ timeout: 60_000 });
  const ready = Date.now() - t0;
  await page.getByTestId('demo-persona-0').click();
  const requests = buildDemoPersonas(2).flatMap((p) => p.tasks.map((t) => t.request));
  const rows: Record<string, string>[] = [];
  let firstAnswer = 0;
  for (const [i, request] of requests.entries()) {
    await page.getByTestId('prompt').fill(request);
    await page.getByTestId('send').click();
    await page.locator('[data-testid=answer][data-done=true]').nth(i).waitFor({ timeout: 120_000 });
    if (i === 0) firstAnswer = Date.now() - t0;
    const stat = async (id: string) => (await page.getByTestId(id).nth(i).textContent()) ?? '';
    rows.push({
      tokens: await stat('stat-tokens'),
      'tokens/s': await stat('stat-tps'),
      rounds: await stat('stat-rounds'),
      'tokens/round': await stat('stat-tpr'),
      acceptance: await stat('stat-acceptance'),
      'drafter tok/s': await stat('stat-draft-tps'),
      'wllama decode tok/s': await stat('stat-engine-tps'),
      'device decoded (prompts)': await stat('stat-decoded'),
    });
  }
  console.log(
    `page load → model ready: ${ready} ms; page load → first answer done: ${firstAnswer} ms`,
  );
  console.table(rows);
  const mean = (key: string) => rows.reduce((a, r) => a + Number(r[key]), 0) / rows.length;
  console.log(
    `mean end-to-end tokens/s ${mean('tokens/s').toFixed(1)}, mean drafter tokens/s ${mean('drafter tok/s').toFixed(0)}, mean wllama decode tokens/s ${mean('wllama decode tok/s').toFixed(0)}`,
  );
  console.log(
    `built app: ${(total / 1e6).toFixed(2)} MB in dist/assets (${(initial / 1e6).toFixed(2)} MB on the default wllama path; WebLLM's chunk loads only when chosen) + the small GGUF served from models/`,
  );
} finally {
  await browser.close();
  await server.stop();
}
