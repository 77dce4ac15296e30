// Prints the licenses of everything installed and exits 1 if one is outside
// the allow-list (src/policy.ts). Run from the repository root:
//   npx -y pnpm@12.4.2 run licenses
import { fileURLToPath } from 'node:url';
import { POLICY, checkLicenses, installedLicenses, tally } from './index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const all = installedLicenses(root, false);
const production = installedLicenses(root, true);

for (const [title, packages] of [
  ['production dependencies', production],
  ['all installed packages (production + development)', all],
] as const) {
  console.log(`${title}: ${packages.length}`);
  for (const [license, count] of tally(packages))
    console.log(`  ${String(count).padStart(4)}  ${license}`);
}

const violations = checkLicenses(all, production, POLICY);
for (const v of violations)
  console.error(
    `licenses: ${v.name}@${v.versions.join(',')} is ${JSON.stringify(v.license)}: ` +
      (v.verdict === 'dev-only'
        ? 'allowed in development tools only, but shipped'
        : 'not on the allow-list'),
  );
if (violations.length > 0) process.exit(1);
console.log('licenses: every installed package is on the allow-list');
