declare module 'virtual:demo-personas' {
  import type { DemoPersona } from '../scripts/demoPersonas.ts';
  const personas: DemoPersona[];
  export default personas;
}
