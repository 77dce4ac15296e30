// The user's settings, kept in localStorage (they hold no private context;
// the API key is the user's own and stays in this browser).

import type { EngineKind } from '../worker/protocol.ts';

export interface Settings {
  verifierUrl: string;
  apiKey: string;
  alpha: number;
  draftTokens: number;
  temperature: number;
  maxTokens: number;
  engine: EngineKind | 'auto';
  rememberMessages: boolean;
}

export function defaultVerifierUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
}

export function defaultSettings(location: { protocol: string; host: string }): Settings {
  return {
    verifierUrl: defaultVerifierUrl(location),
    apiKey: '',
    alpha: 1,
    draftTokens: 4,
    temperature: 0.7,
    maxTokens: 96,
    engine: 'auto',
    rememberMessages: false,
  };
}

/** Checked settings: a field out of range is named, and the last good value kept. */
export function validateSettings(s: Settings): string[] {
  const problems: string[] = [];
  if (!/^wss?:\/\/.+/.test(s.verifierUrl))
    problems.push('Verifier URL must start with ws:// or wss://');
  if (!(s.alpha >= 0 && s.alpha <= 4)) problems.push('α must be between 0 and 4');
  if (!(Number.isInteger(s.draftTokens) && s.draftTokens >= 1 && s.draftTokens <= 16))
    problems.push('Draft length must be a whole number from 1 to 16');
  if (!(s.temperature >= 0 && s.temperature <= 2))
    problems.push('Temperature must be between 0 and 2');
  if (!(Number.isInteger(s.maxTokens) && s.maxTokens >= 1 && s.maxTokens <= 512))
    problems.push('Max tokens must be a whole number from 1 to 512');
  return problems;
}

const KEY = 'specsteer.settings.v1';

export function loadSettings(location: { protocol: string; host: string }): Settings {
  const defaults = defaultSettings(location);
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Settings> | null;
    const merged = { ...defaults, ...(saved ?? {}) };
    return validateSettings(merged).length === 0 ? merged : defaults;
  } catch {
    return defaults;
  }
}

export function saveSettings(settings: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(settings));
}
