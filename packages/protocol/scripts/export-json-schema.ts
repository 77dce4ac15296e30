// Regenerates schema/specsteer.schema.json from the zod schemas:
//   pnpm exec tsx packages/protocol/scripts/export-json-schema.ts
// (the json-schema test fails until this is run after a schema change).

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema } from '../src/json-schema.ts';

const target = fileURLToPath(new URL('../schema/specsteer.schema.json', import.meta.url));
writeFileSync(target, renderJsonSchema());
console.log(`wrote ${target}`);
