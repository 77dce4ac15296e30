// Regenerates schema/specsteer.schema.json from the zod schemas:
//   pnpm exec tsx packages/protocol/scripts/export-json-schema.ts
// (the json-schema test fails until this is run after a schema change). The
// file goes through the repository's prettier config so `pnpm lint` agrees.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { renderJsonSchema } from '../src/json-schema.ts';

const target = fileURLToPath(new URL('../schema/specsteer.schema.json', import.meta.url));
const options = (await resolveConfig(target)) ?? {};
writeFileSync(target, await format(renderJsonSchema(), { ...options, filepath: target }));
console.log(`wrote ${target}`);
