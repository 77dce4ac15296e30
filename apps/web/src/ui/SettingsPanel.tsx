import { validateSettings, type Settings } from '../chat/settings.ts';

export function SettingsPanel({
  settings,
  onChange,
}: {
  settings: Settings;
  onChange(s: Settings): void;
}) {
  const problems = validateSettings(settings);
  const number = (key: 'alpha' | 'draftTokens' | 'temperature' | 'maxTokens') => (e: Event) =>
    onChange({ ...settings, [key]: Number((e.target as HTMLInputElement).value) });
  return (
    <form class="settings" onSubmit={(e) => e.preventDefault()}>
      <label>
        Verifier URL
        <input
          type="url"
          value={settings.verifierUrl}
          onInput={(e) =>
            onChange({ ...settings, verifierUrl: (e.target as HTMLInputElement).value })
          }
        />
      </label>
      <label>
        API key
        <input
          type="password"
          autoComplete="off"
          value={settings.apiKey}
          onInput={(e) => onChange({ ...settings, apiKey: (e.target as HTMLInputElement).value })}
        />
      </label>
      <label>
        α (steering strength)
        <input
          type="number"
          min={0}
          max={4}
          step={0.1}
          value={settings.alpha}
          onInput={number('alpha')}
        />
      </label>
      <label>
        Draft length
        <input
          type="number"
          min={1}
          max={16}
          step={1}
          value={settings.draftTokens}
          onInput={number('draftTokens')}
        />
      </label>
      <label>
        Temperature
        <input
          type="number"
          min={0}
          max={2}
          step={0.1}
          value={settings.temperature}
          onInput={number('temperature')}
        />
      </label>
      <label>
        Max tokens
        <input
          type="number"
          min={1}
          max={512}
          step={1}
          value={settings.maxTokens}
          onInput={number('maxTokens')}
        />
      </label>
      <label>
        Engine
        <select
          value={settings.engine}
          onChange={(e) =>
            onChange({
              ...settings,
              engine: (e.target as HTMLSelectElement).value as Settings['engine'],
            })
          }
        >
          <option value="auto">Automatic</option>
          <option value="wllama">wllama (WASM, CPU)</option>
          <option value="webllm">WebLLM (WebGPU)</option>
        </select>
      </label>
      <p class="muted">An engine change takes effect on the next page load.</p>
      {problems.length > 0 && (
        <ul class="error" role="alert">
          {problems.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      )}
    </form>
  );
}
