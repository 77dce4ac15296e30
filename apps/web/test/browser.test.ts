// The web app in a real browser (Debian chromium via playwright-core) against
// the real `pnpm start` server: persona demo, privacy canary, persistence,
// export/import, screenshots. One server, one browser, steps in order (lean:
// CI has two cores). Skipped with a notice where chromium is missing.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoPersona } from '../scripts/demoPersonas.ts';
import { buildDemoPersonas } from '../scripts/demoPersonas.ts';
import {
  CHROMIUM,
  freePort,
  launchBrowser,
  REPO_ROOT,
  ServerProcess,
  type Browser,
} from './harness.ts';

const ARTIFACTS = join(REPO_ROOT, 'apps/web/test-artifacts');
const CANARY = 'CANARY-q7zx41-private';
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium)`);

describe.skipIf(!available)('web app in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let persona: DemoPersona;
  const frames: string[] = [];

  beforeAll(async () => {
    await build({
      root: join(REPO_ROOT, 'apps/web'),
      configLoader: 'runner',
      logLevel: 'warn',
    });
    persona = buildDemoPersonas(1)[0]!;
    server = new ServerProcess(await freePort());
    await server.start();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('websocket', (socket) => {
      socket.on('framesent', (f) => frames.push(String(f.payload)));
      socket.on('framereceived', (f) => frames.push(String(f.payload)));
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function ask(request: string): Promise<void> {
    const before = await page.getByTestId('answer').count();
    await page.getByTestId('prompt').fill(request);
    // Keyboard only: Enter sends (Shift+Enter would add a line).
    await page.getByTestId('prompt').press('Enter');
    await page
      .locator('[data-testid=answer][data-done=true]')
      .nth(before)
      .waitFor({ timeout: 120_000 });
  }

  it('loads the page and the small model from the server', async () => {
    const started = Date.now();
    await page.goto(server.url);
    await page.getByTestId('engine-ready').waitFor({ timeout: 60_000 });
    console.log(`page load to model ready: ${Date.now() - started} ms`);
    await expect(page.getByTestId('engine-reason').textContent()).resolves.toMatch(/wllama/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Every control has an accessible name (a label, aria-label or text).
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, textarea, select')]
        .filter((el) => {
          const labelled = (el as HTMLInputElement).labels?.length ?? 0;
          return labelled === 0 && !el.getAttribute('aria-label') && !el.textContent?.trim();
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
  });

  it('answers a PersonaWorld request with the demo persona’s style and the right fact; the stats add up', async () => {
    await page.getByTestId('demo-persona-0').click();
    await expect
      .poll(() => page.getByTestId('history-count').textContent())
      .toBe(`${persona.history.length} records`);
    // A canary in the persona's own style, so that retrieval puts it in the device context.
    await page
      .getByTestId('history-add')
      .fill(`Mepei folks! ${CANARY} Mind the mumur. Brimex, Drysyrk`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByLabel('Temperature').fill('0');
    await page.getByRole('tab', { name: 'Private history' }).click();

    // Off by default; on, the request joins the private history.
    const remember = page.getByLabel('Remember my messages (add what I send to my history)');
    expect(await remember.isChecked()).toBe(false);
    await remember.check();

    const task = persona.tasks.find((t) => t.facts.some((f) => !f.inSmall))!;
    const started = Date.now();
    await ask(task.request);
    await expect
      .poll(() => page.getByTestId('history-count').textContent())
      .toBe(`${persona.history.length + 2} records`);
    await remember.uncheck();
    const answer = (await page.getByTestId('answer-text').last().textContent())!;
    console.log(`answer in ${Date.now() - started} ms: ${answer}`);
    for (const fact of task.facts) expect(answer).toContain(fact.value);
    const styleHits = task.styleItems.filter((item) => answer.includes(item));
    expect(styleHits.length).toBeGreaterThanOrEqual(Math.ceil(task.styleItems.length / 2));

    const stat = async (id: string) =>
      Number((await page.getByTestId(id).last().textContent())!.replace(/[^\d.]/g, ''));
    const tokens = await stat('stat-tokens');
    const rounds = await stat('stat-rounds');
    const origins = (await page.getByTestId('stat-origins').last().textContent())!
      .split('·')
      .map(Number);
    expect(origins.reduce((a, b) => a + b, 0)).toBe(tokens);
    expect(origins[3]).toBe(0); // nothing local-only while the verifier is up
    expect(Math.abs((await stat('stat-tpr')) * rounds - tokens)).toBeLessThan(rounds * 0.01 + 0.01);
    console.log(`stats: ${await page.getByTestId('stats').last().textContent()}`);

    // The canary was used on the device …
    await page.getByTestId('snippets-summary').last().click();
    await expect(page.getByTestId('answer').last().textContent()).resolves.toContain(CANARY);
    // … and crossed no WebSocket frame and reached no server log line.
    expect(frames.length).toBeGreaterThan(3);
    expect(frames.filter((f) => f.includes(CANARY))).toEqual([]);
    expect(frames.join('\n')).toContain(task.request);
    expect(server.logLines.length).toBeGreaterThan(0);
    expect(server.logLines.filter((l) => l.includes(CANARY))).toEqual([]);

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'chat-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'chat-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('finishes the answer on the local model when the verifier stops mid-answer, and uses the verifier again once it is back', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByLabel('Max tokens').fill('160');
    await page.getByLabel('Temperature').fill('0.8');
    // The stop button ends an answer where it is, keeping what was committed.
    const stopped = page.getByTestId('answer').nth(await page.getByTestId('answer').count());
    await page.getByTestId('prompt').fill(persona.tasks[2]!.request);
    await page.getByTestId('prompt').press('Enter');
    await expect
      .poll(() => stopped.locator('.tok').count(), { timeout: 60_000 })
      .toBeGreaterThan(2);
    await page.getByTestId('stop').click();
    await stopped.and(page.locator('[data-done=true]')).waitFor({ timeout: 30_000 });
    await expect(stopped.getByTestId('notice').textContent()).resolves.toBe('Stopped.');

    const before = await page.getByTestId('answer').count();
    await page.getByTestId('prompt').fill(persona.tasks[0]!.request);
    await page.getByTestId('prompt').press('Enter');
    const answer = page.getByTestId('answer').nth(before);
    await expect.poll(() => answer.locator('.tok').count(), { timeout: 60_000 }).toBeGreaterThan(2);
    await server.stop();
    await answer.and(page.locator('[data-done=true]')).waitFor({ timeout: 120_000 });
    await expect(answer.getByTestId('notice').textContent()).resolves.toMatch(/local model/i);
    expect(await answer.locator('.tok.local').count()).toBeGreaterThan(0);
    await expect(answer.getByTestId('answer-error').count()).resolves.toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'chat-local-fallback.png'), fullPage: true });

    await server.start();
    await page.getByLabel('Max tokens').fill('96');
    await ask(persona.tasks[0]!.request);
    const next = page.getByTestId('answer').last();
    expect(await next.locator('.tok.local').count()).toBe(0);
    expect(await next.locator('.tok').count()).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Private history' }).click();
  });

  it('keeps the history across a reload; export → delete everything → import restores it', async () => {
    const count = persona.history.length + 2; // the persona, the canary, one remembered request
    await page.reload();
    await expect
      .poll(() => page.getByTestId('history-count').textContent())
      .toBe(`${count} records`);
    const texts = await page
      .getByTestId('history-records')
      .locator('.record-text')
      .allTextContents();

    const download = page.waitForEvent('download');
    await page.getByTestId('history-export').click();
    const file = join(ARTIFACTS, 'history-export.json');
    await (await download).saveAs(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).records).toHaveLength(count);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('history-delete-all').click();
    await expect.poll(() => page.getByTestId('history-count').textContent()).toBe('0 records');

    await page.getByTestId('history-import').setInputFiles(file);
    await expect
      .poll(() => page.getByTestId('history-count').textContent())
      .toBe(`${count} records`);
    expect(
      await page.getByTestId('history-records').locator('.record-text').allTextContents(),
    ).toEqual(texts);
  });
});
