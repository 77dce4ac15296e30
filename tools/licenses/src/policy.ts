import type { Policy } from './spdx.ts';

// SpecSteer is Apache-2.0 (LICENSE). Everything it ships (the verifier and the
// device side with their production dependencies) must be under a permissive
// license that allows that; docs/licenses.md explains each entry.
export const POLICY: Policy = {
  allowed: [
    'MIT',
    'ISC',
    'Apache-2.0',
    'BSD-2-Clause',
    'BSD-3-Clause',
    'BlueOak-1.0.0',
    '0BSD',
    'CC0-1.0',
  ],
  // File-level copyleft: fine for an unmodified build tool (vite's CSS parser,
  // lightningcss), never for something in the image or the device bundle.
  devOnly: ['MPL-2.0'],
};
