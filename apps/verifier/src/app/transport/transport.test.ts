import { describe, expect, it } from 'vitest';
import { ApiKeyRegistry } from '../auth/api-key-registry.ts';
import { originAllowed } from './origin-policy.ts';
import { chooseSubprotocol, upgradeApiKey } from './subprotocol.ts';

describe('upgrade credentials', () => {
  it('reads a bearer header or a bearer subprotocol', () => {
    expect(upgradeApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(upgradeApiKey({ 'sec-websocket-protocol': 'specsteer, specsteer.bearer.xyz' })).toBe(
      'xyz',
    );
    expect(upgradeApiKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(upgradeApiKey({})).toBeUndefined();
  });

  it('answers the plain subprotocol rather than echoing the key', () => {
    expect(chooseSubprotocol(new Set(['specsteer.bearer.xyz', 'specsteer']))).toBe('specsteer');
    // Offered alone, the key-bearing entry is not answered at all.
    expect(chooseSubprotocol(new Set(['specsteer.bearer.xyz']))).toBe(false);
  });

  it('authenticates configured keys only and labels callers without the key', () => {
    const registry = new ApiKeyRegistry([
      { key: 'first-key-0123456789' },
      { key: 'second-key-0123456789', name: 'lab' },
    ]);
    expect(registry.authenticate('second-key-0123456789')?.id).toBe('key:lab');
    expect(registry.authenticate('first-key-0123456789')?.id).toBe('key:#1');
    expect(registry.authenticate('first-key-012345678')).toBeUndefined();
    expect(new ApiKeyRegistry([]).open).toBe(true);
  });
});

describe('origin policy', () => {
  it('allows clients without Origin, any origin when unconfigured, and listed origins only otherwise', () => {
    expect(originAllowed(undefined, ['https://app.example'])).toBe(true);
    expect(originAllowed('https://evil.example', [])).toBe(true);
    expect(originAllowed('https://app.example', ['https://app.example/'])).toBe(true);
    expect(originAllowed('https://evil.example', ['https://app.example'])).toBe(false);
    expect(originAllowed('null', ['https://app.example'])).toBe(false);
  });
});
