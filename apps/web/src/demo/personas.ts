// The demo personas, computed at build time by scripts/demoPersonas.ts (a Vite virtual module).
import personas from 'virtual:demo-personas';
import type { DemoPersona } from '../../scripts/demoPersonas.ts';

export const demoPersonas = personas as DemoPersona[];
