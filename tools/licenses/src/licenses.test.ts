import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLICY, checkLicenses, installedLicenses, judge, parseSpdx } from './index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('SPDX expressions', () => {
  it('allows the permissive licenses and refuses copyleft and unknown ones', () => {
    expect(judge('MIT', POLICY)).toBe('allowed');
    expect(judge('BlueOak-1.0.0', POLICY)).toBe('allowed');
    expect(judge('MPL-2.0', POLICY)).toBe('dev-only');
    for (const license of ['GPL-3.0-only', 'GPL-2.0+', 'AGPL-3.0', 'LGPL-2.1', 'UNLICENSED'])
      expect(judge(license, POLICY), license).toBe('denied');
    for (const notSpdx of ['Unknown', 'SEE LICENSE IN LICENSE.md', '', 'MIT OR', '(MIT'])
      expect(judge(notSpdx, POLICY), notSpdx).toBe('denied');
  });

  it('takes the best alternative of an OR and the worst part of an AND', () => {
    expect(judge('(BSD-2-Clause OR MIT OR Apache-2.0)', POLICY)).toBe('allowed');
    expect(judge('GPL-3.0 OR MIT', POLICY)).toBe('allowed');
    expect(judge('MIT AND GPL-3.0', POLICY)).toBe('denied');
    expect(judge('MIT AND MPL-2.0', POLICY)).toBe('dev-only');
    expect(judge('(MIT AND GPL-3.0) OR MPL-2.0', POLICY)).toBe('dev-only');
    expect(judge('Apache-2.0 WITH LLVM-exception', POLICY)).toBe('allowed');
    expect(parseSpdx('A OR B AND C')).toEqual({
      kind: 'or',
      left: { kind: 'license', id: 'A' },
      right: {
        kind: 'and',
        left: { kind: 'license', id: 'B' },
        right: { kind: 'license', id: 'C' },
      },
    });
  });

  it('refuses a development-only license in a production dependency', () => {
    const lightningcss = { name: 'lightningcss', versions: ['1.33.0'], license: 'MPL-2.0' };
    expect(checkLicenses([lightningcss], [], POLICY)).toEqual([]);
    expect(checkLicenses([lightningcss], [lightningcss], POLICY)).toEqual([
      { ...lightningcss, production: true, verdict: 'dev-only' },
    ]);
  });
});

describe("the workspace's installed packages", () => {
  const all = installedLicenses(root, false);
  const production = installedLicenses(root, true);

  it('are all under licenses the policy allows (docs/licenses.md)', () => {
    // The lists are pnpm's reading of node_modules: never empty for an installed workspace.
    expect(production.map((p) => p.name)).toEqual(
      expect.arrayContaining(['fastify', 'node-llama-cpp', 'ws', 'zod']),
    );
    expect(all.length).toBeGreaterThan(production.length);
    expect(all.map((p) => p.name)).toEqual(expect.arrayContaining(['typescript', 'vitest']));
    expect(checkLicenses(all, production, POLICY)).toEqual([]);
  });

  it('are described by docs/licenses.md, which names every license the policy admits', () => {
    const doc = readFileSync(`${root}docs/licenses.md`, 'utf8');
    for (const license of [...POLICY.allowed, ...POLICY.devOnly])
      expect(doc, license).toContain(`\`${license}\``);
  });
});
