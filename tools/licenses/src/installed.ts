import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { judge, type Policy, type Verdict } from './spdx.ts';

/** One installed package as `pnpm licenses list --json` reports it. */
export type InstalledPackage = { name: string; versions: string[]; license: string };

/** A package whose license the policy refuses, and where it is installed (production or development). */
export type Violation = InstalledPackage & { production: boolean; verdict: Verdict };

/**
 * Every package installed in the workspace's node_modules with its license,
 * read by pnpm (which falls back to the LICENSE file when package.json has no
 * field). `production` limits it to dependencies (not devDependencies).
 */
export function installedLicenses(root: string, production: boolean): InstalledPackage[] {
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    packageManager: string;
  };
  // The repository's pinned pnpm (as the README's commands run it), so the result does not depend on what is on PATH.
  const args = ['-y', packageManager, 'licenses', 'list', '--json'];
  if (production) args.push('--prod');
  const out = execFileSync('npx', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const byLicense = JSON.parse(out) as Record<string, InstalledPackage[]>;
  return Object.values(byLicense)
    .flat()
    .map(({ name, versions, license }) => ({ name, versions, license }));
}

/** Checks all installed packages and the production subset against the policy. */
export function checkLicenses(
  all: readonly InstalledPackage[],
  production: readonly InstalledPackage[],
  policy: Policy,
): Violation[] {
  const shipped = new Set(production.map((p) => p.name));
  const violations: Violation[] = [];
  for (const pkg of all) {
    const verdict = judge(pkg.license, policy);
    const inProduction = shipped.has(pkg.name);
    if (verdict === 'denied' || (verdict === 'dev-only' && inProduction))
      violations.push({ ...pkg, production: inProduction, verdict });
  }
  return violations;
}

/** License → number of packages, most common first. */
export function tally(packages: readonly InstalledPackage[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const { license } of packages) counts.set(license, (counts.get(license) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
