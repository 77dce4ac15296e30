#!/usr/bin/env node
// The `specsteer` command: runs the TypeScript CLI through tsx's loader
// (the workspace ships TypeScript sources, no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/specsteer.ts');
