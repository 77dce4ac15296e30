import type { RetrievedSnippet, TokenOrigin } from '@specsteer/core';
import type { ChatMessage } from '@specsteer/protocol';
import { GenerationCancelledError } from '@specsteer/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import wasmUrl from '@wllama/wllama/esm/single-thread/wllama.wasm?url';
import { demoPersonas } from '../demo/personas.ts';
import { chooseEngine, detectWebGpu } from '../chat/engineChoice.ts';
import { EngineSession, type LoadProgress, type WireFrame } from '../chat/engineSession.ts';
import { loadSettings, saveSettings, validateSettings, type Settings } from '../chat/settings.ts';
import { HistoryStore, type LoadedHistory } from '../store/historyStore.ts';
import { HistoryPanel } from './HistoryPanel.tsx';
import { Inspector } from './Inspector.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { Stats, type TurnStats } from './Stats.tsx';

export const MODEL_URL = '/models/specsteer-small.gguf';

export interface Piece {
  text: string;
  origin: TokenOrigin;
}

export interface Turn {
  id: number;
  role: 'user' | 'assistant';
  text: string;
  pieces: Piece[];
  snippets: RetrievedSnippet[];
  stats: TurnStats | null;
  notice: string | null;
  error: string | null;
  done: boolean;
}

type EngineState =
  | { phase: 'loading'; progress: LoadProgress | null }
  | { phase: 'ready'; session: EngineSession; loadMs: number }
  | { phase: 'failed'; message: string };

const ORIGIN_LABEL: Record<TokenOrigin, string> = {
  accepted: 'accepted draft',
  corrected: 'cloud correction',
  steered: 'steered by your history',
  local: 'local model only',
  cloud: 'cloud',
  exact: 'exact fusion (reference decoder)',
};

const store = new HistoryStore();

export function App() {
  const [settings, setSettings] = useState<Settings>(() => loadSettings(location));
  const [engine, setEngine] = useState<EngineState>({ phase: 'loading', progress: null });
  const [engineReason, setEngineReason] = useState('choosing an engine…');
  const [history, setHistory] = useState<LoadedHistory>({ records: [], skipped: [] });
  const [turns, setTurns] = useState<Turn[]>([]);
  const [frames, setFrames] = useState<WireFrame[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<'history' | 'settings' | 'wire'>('history');
  const [personaTasks, setPersonaTasks] = useState<string[]>([]);
  const abort = useRef<AbortController | null>(null);
  const nextId = useRef(1);
  const pageStart = useRef(performance.now());

  const refreshHistory = async () => setHistory(await store.list());

  useEffect(() => {
    void refreshHistory();
    let session: EngineSession | null = null;
    let cancelled = false;
    (async () => {
      const gpu = await detectWebGpu(navigator as { gpu?: unknown });
      // The verifier served with this page runs the offline pair; choosing WebLLM in the
      // settings means a Qwen2.5 verifier (set its URL too).
      const family = settings.engine === 'webllm' ? 'qwen2.5' : 'offline-pair';
      const choice = chooseEngine(settings.engine, family, gpu, true);
      setEngineReason(choice.reason);
      try {
        session = await EngineSession.start({
          engine: choice.engine,
          modelUrl: choice.webllmModel ?? MODEL_URL,
          wasmUrl,
          onProgress: (progress) => !cancelled && setEngine({ phase: 'loading', progress }),
          createWorker: () =>
            new Worker(new URL('../worker/drafter.worker.ts', import.meta.url), {
              type: 'module',
              name: 'specsteer-drafter',
            }),
        });
        if (cancelled) return session.dispose();
        setEngine({ phase: 'ready', session, loadMs: performance.now() - pageStart.current });
      } catch (error) {
        if (!cancelled)
          setEngine({
            phase: 'failed',
            message: `${error instanceof Error ? error.message : String(error)}. Check that the SpecSteer server (pnpm start) is running, then reload the page.`,
          });
      }
    })();
    return () => {
      cancelled = true;
      session?.dispose();
    };
  }, []);

  const updateTurn = (id: number, change: (turn: Turn) => Turn) =>
    setTurns((all) => all.map((t) => (t.id === id ? change(t) : t)));

  async function send(text: string) {
    const prompt = text.trim();
    if (prompt === '' || busy || engine.phase !== 'ready') return;
    const problems = validateSettings(settings);
    if (problems.length > 0) {
      setTab('settings');
      return;
    }
    setDraft('');
    setBusy(true);
    const userTurn: Turn = {
      id: nextId.current++,
      role: 'user',
      text: prompt,
      pieces: [],
      snippets: [],
      stats: null,
      notice: null,
      error: null,
      done: true,
    };
    const answerId = nextId.current++;
    const messages: ChatMessage[] = [
      ...turns
        .filter((t) => t.done && t.error === null)
        .map((t) => ({ role: t.role, content: t.text }) as ChatMessage),
      { role: 'user', content: prompt },
    ];
    setTurns((all) => [
      ...all,
      userTurn,
      { ...userTurn, id: answerId, role: 'assistant', text: '', done: false },
    ]);
    const controller = new AbortController();
    abort.current = controller;
    const started = performance.now();
    const counts: Record<TokenOrigin, number> = {
      accepted: 0,
      corrected: 0,
      steered: 0,
      local: 0,
      cloud: 0,
      exact: 0,
    };
    const historyTexts = (await store.list()).records.map((r) => r.text);
    try {
      const outcome = await engine.session.answer(
        messages,
        historyTexts,
        settings,
        controller.signal,
        {
          onSnippets: (snippets) => updateTurn(answerId, (t) => ({ ...t, snippets })),
          onToken: (_index, piece, origin) => {
            counts[origin]++;
            const tokens = Object.values(counts).reduce((a, b) => a + b, 0);
            const seconds = (performance.now() - started) / 1000;
            updateTurn(answerId, (t) => ({
              ...t,
              text: t.text + piece,
              pieces: [...t.pieces, { text: piece, origin }],
              stats: {
                ...(t.stats ?? emptyStats()),
                tokens,
                counts: { ...counts },
                tokensPerSecond: tokens / seconds,
              },
            }));
          },
          onFrame: (frame) => setFrames((all) => [...all.slice(-499), frame]),
          onNotice: (notice) => updateTurn(answerId, (t) => ({ ...t, notice })),
        },
      );
      const m = outcome.result.metrics;
      updateTurn(answerId, (t) => ({
        ...t,
        done: true,
        text: outcome.text,
        stats: {
          tokens: m.tokens,
          counts: { ...counts },
          tokensPerSecond: m.tokensPerSecond,
          rounds: m.rounds,
          // Verified tokens per round: tokens made while the verifier was away are not rounds.
          tokensPerRound: m.rounds > 0 ? (m.tokens - counts.local) / m.rounds : 0,
          acceptance: m.acceptanceRate,
          drafterTokensPerSecond: outcome.drafterTokensPerSecond,
          deviceDecoded: outcome.deviceDecodedTokens,
          engineTokensPerSecond: outcome.engineTokensPerSecond,
          promptTokens: outcome.promptTokens,
          totalMs: m.totalMs,
          finish: outcome.result.finish,
        },
      }));
    } catch (error) {
      const stopped = error instanceof GenerationCancelledError;
      updateTurn(answerId, (t) => ({
        ...t,
        done: true,
        notice: stopped ? 'Stopped.' : t.notice,
        error: stopped ? null : error instanceof Error ? error.message : String(error),
      }));
    } finally {
      abort.current = null;
      setBusy(false);
    }
    // Remembered after the answer: a request is history for the next ones, not for itself.
    if (settings.rememberMessages) {
      await store.add(prompt, { source: 'chat' }).catch(() => undefined);
      await refreshHistory();
    }
  }

  function changeSettings(next: Settings) {
    setSettings(next);
    if (validateSettings(next).length === 0) saveSettings(next);
  }

  async function loadDemoPersona(index: number) {
    const persona = demoPersonas[index];
    if (persona === undefined) return;
    await store.addMany(persona.history, 'demo');
    setPersonaTasks(persona.tasks.map((t) => t.request));
    await refreshHistory();
  }

  return (
    <div class="layout">
      <header class="top">
        <h1>SpecSteer</h1>
        <p class="engine" data-testid="engine-reason">
          <span class="badge">
            {engine.phase === 'ready' ? engine.session.info.engine : 'engine'}
          </span>{' '}
          {engineReason}
        </p>
      </header>

      <main class="chat" aria-label="Chat">
        <EngineStatus
          engine={engine}
          engineKind={engineReason.startsWith('WebLLM') ? 'webllm' : 'wllama'}
        />
        <Legend />
        <ol class="turns" aria-live="polite" data-testid="turns">
          {turns.map((turn) => (
            <TurnView key={turn.id} turn={turn} />
          ))}
        </ol>
        {personaTasks.length > 0 && (
          <div class="suggestions" aria-label="Requests for the demo persona">
            {personaTasks.map((request) => (
              <button
                type="button"
                class="chip"
                disabled={busy || engine.phase !== 'ready'}
                onClick={() => void send(request)}
              >
                {request}
              </button>
            ))}
          </div>
        )}
        <form
          class="composer"
          onSubmit={(event) => {
            event.preventDefault();
            void send(draft);
          }}
        >
          <label for="prompt" class="visually-hidden">
            Your message
          </label>
          <textarea
            id="prompt"
            data-testid="prompt"
            rows={2}
            placeholder="Ask for a note, e.g. on the language of Brydound"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void send(draft);
              }
            }}
          />
          {busy ? (
            <button
              type="button"
              class="stop"
              data-testid="stop"
              onClick={() => abort.current?.abort()}
            >
              Stop
            </button>
          ) : (
            <button
              type="submit"
              data-testid="send"
              disabled={engine.phase !== 'ready' || draft.trim() === ''}
            >
              Send
            </button>
          )}
        </form>
      </main>

      <aside class="side">
        <div role="tablist" aria-label="Panels" class="tabs">
          {(['history', 'settings', 'wire'] as const).map((name) => (
            <button
              type="button"
              role="tab"
              id={`tab-${name}`}
              aria-selected={tab === name}
              aria-controls={`panel-${name}`}
              onClick={() => setTab(name)}
            >
              {name === 'history'
                ? 'Private history'
                : name === 'settings'
                  ? 'Settings'
                  : `Wire (${frames.length})`}
            </button>
          ))}
        </div>
        <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="panel">
          {tab === 'history' && (
            <HistoryPanel
              store={store}
              history={history}
              onChanged={refreshHistory}
              personas={demoPersonas.map((p) => p.userId)}
              onLoadPersona={loadDemoPersona}
              rememberMessages={settings.rememberMessages}
              onRememberMessages={(on) => changeSettings({ ...settings, rememberMessages: on })}
            />
          )}
          {tab === 'settings' && <SettingsPanel settings={settings} onChange={changeSettings} />}
          {tab === 'wire' && <Inspector frames={frames} onClear={() => setFrames([])} />}
        </section>
      </aside>
    </div>
  );
}

function emptyStats(): TurnStats {
  return {
    tokens: 0,
    counts: { accepted: 0, corrected: 0, steered: 0, local: 0, cloud: 0, exact: 0 },
    tokensPerSecond: 0,
  };
}

function EngineStatus({ engine, engineKind }: { engine: EngineState; engineKind: string }) {
  if (engine.phase === 'ready') {
    return (
      <p class="status" data-testid="engine-ready" role="status">
        Model ready in {(engine.loadMs / 1000).toFixed(1)} s · {engine.session.info.vocabSize}{' '}
        tokens vocabulary · context {engine.session.info.contextSize} · rollback:{' '}
        {engine.session.info.rollback}
      </p>
    );
  }
  if (engine.phase === 'failed') {
    return (
      <p class="status error" role="alert" data-testid="engine-failed">
        The model did not load: {engine.message}
      </p>
    );
  }
  const p = engine.progress;
  return (
    <div class="status" role="status">
      <label for="load-progress">
        Loading the small model
        {p !== null &&
          (engineKind === 'webllm'
            ? ` — ${(p.loaded / 10).toFixed(0)} %` // WebLLM reports a fraction (thousandths), not bytes
            : ` — ${(p.loaded / 1e6).toFixed(1)} of ${(p.total / 1e6).toFixed(1)} MB`) +
            (p.etaSeconds !== null ? `, about ${Math.ceil(p.etaSeconds)} s left` : '')}
      </label>
      <progress id="load-progress" max={p?.total ?? 1} value={p?.loaded ?? 0} />
    </div>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Legend: where each word came from">
      {(['accepted', 'corrected', 'steered', 'local'] as const).map((origin) => (
        <li>
          <span class={`tok ${origin}`}>{origin === 'accepted' ? 'draft' : origin}</span>{' '}
          {ORIGIN_LABEL[origin]}
        </li>
      ))}
    </ul>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  if (turn.role === 'user') {
    return (
      <li class="turn user">
        <span class="visually-hidden">You:</span>
        {turn.text}
      </li>
    );
  }
  return (
    <li class="turn assistant" data-testid="answer" data-done={String(turn.done)}>
      <span class="visually-hidden">SpecSteer:</span>
      <p class="answer" data-testid="answer-text">
        {turn.pieces.map((piece) => (
          <span class={`tok ${piece.origin}`} title={ORIGIN_LABEL[piece.origin]}>
            {piece.text}
          </span>
        ))}
        {!turn.done && (
          <span class="cursor" aria-hidden="true">
            ▍
          </span>
        )}
      </p>
      {turn.notice !== null && (
        <p class="notice" role="status" data-testid="notice">
          {turn.notice}
        </p>
      )}
      {turn.error !== null && (
        <p class="error" role="alert" data-testid="answer-error">
          {turn.error}
        </p>
      )}
      {turn.stats !== null && <Stats stats={turn.stats} />}
      {turn.snippets.length > 0 && (
        <details class="snippets">
          <summary data-testid="snippets-summary">
            {turn.snippets.length} private snippet{turn.snippets.length === 1 ? '' : 's'} used
            (never sent)
          </summary>
          <ul>
            {turn.snippets.map((s) => (
              <li>
                {s.text}{' '}
                <span class="muted">
                  ({s.score > 0 ? `match ${s.score.toFixed(2)}` : 'recent'}, {s.tokens} tokens)
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}
