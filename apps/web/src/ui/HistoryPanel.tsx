import { useState } from 'preact/hooks';
import type { HistoryStore, LoadedHistory } from '../store/historyStore.ts';

interface Props {
  store: HistoryStore;
  history: LoadedHistory;
  onChanged(): Promise<void>;
  personas: string[];
  onLoadPersona(index: number): Promise<void>;
  rememberMessages: boolean;
  onRememberMessages(on: boolean): void;
}

export function HistoryPanel(props: Props) {
  const { store, history } = props;
  const [text, setText] = useState('');
  const [kind, setKind] = useState<'history' | 'profile'>('history');
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const run = async (action: () => Promise<string | void>) => {
    try {
      const result = await action();
      setMessage(result ?? null);
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
    await props.onChanged();
  };

  return (
    <div class="history">
      <p class="muted">
        Stored only in this browser (IndexedDB). The drafter reads it; it is never sent.
      </p>
      <div class="row">
        {props.personas.map((id, i) => (
          <button
            type="button"
            data-testid={`demo-persona-${i}`}
            onClick={() => void run(() => props.onLoadPersona(i))}
          >
            Load demo persona {id.replace('eval-user-', '#')}
          </button>
        ))}
      </div>
      <label class="switch">
        <input
          type="checkbox"
          checked={props.rememberMessages}
          onChange={(e) => props.onRememberMessages((e.target as HTMLInputElement).checked)}
        />
        Remember my messages (add what I send to my history)
      </label>
      <form
        class="add"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await store.add(text, { kind });
            setText('');
          });
        }}
      >
        <label for="history-kind">Kind</label>
        <select
          id="history-kind"
          value={kind}
          onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'history' | 'profile')}
        >
          <option value="history">A past message of mine</option>
          <option value="profile">About me (profile)</option>
        </select>
        <label for="history-add">Text</label>
        <textarea
          id="history-add"
          data-testid="history-add"
          rows={2}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <button type="submit" disabled={text.trim() === ''}>
          Add
        </button>
      </form>
      {message !== null && (
        <p class="notice" role="status" data-testid="history-message">
          {message}
        </p>
      )}
      {history.skipped.length > 0 && (
        <div class="error" role="alert" data-testid="history-skipped">
          {history.skipped.length} stored record{history.skipped.length === 1 ? ' was' : 's were'}{' '}
          unreadable and skipped:
          <ul>
            {history.skipped.map((s) => (
              <li>
                {s.key}: {s.reason}{' '}
                <button type="button" onClick={() => void run(() => store.removeKey(s.key))}>
                  Remove it
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <h2 class="count" data-testid="history-count">
        {history.records.length} record{history.records.length === 1 ? '' : 's'}
      </h2>
      <ol class="records" data-testid="history-records">
        {history.records.map((r) => (
          <li>
            {editing?.id === r.id ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void run(async () => {
                    await store.edit(r.id, editing.text);
                    setEditing(null);
                  });
                }}
              >
                <label for={`edit-${r.id}`} class="visually-hidden">
                  Edit record
                </label>
                <textarea
                  id={`edit-${r.id}`}
                  rows={2}
                  value={editing.text}
                  onInput={(e) =>
                    setEditing({ id: r.id, text: (e.target as HTMLTextAreaElement).value })
                  }
                />
                <button type="submit">Save</button>
                <button type="button" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            ) : (
              <>
                {r.kind === 'profile' && <span class="tag">profile</span>}
                <span class="record-text">{r.text}</span>
                <span class="record-actions">
                  <button
                    type="button"
                    aria-label={`Edit: ${r.text.slice(0, 40)}`}
                    onClick={() => setEditing({ id: r.id, text: r.text })}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete: ${r.text.slice(0, 40)}`}
                    onClick={() => void run(() => store.remove(r.id))}
                  >
                    Delete
                  </button>
                </span>
              </>
            )}
          </li>
        ))}
      </ol>
      <div class="row">
        <button
          type="button"
          data-testid="history-export"
          onClick={() =>
            void run(async () => {
              const json = await store.exportJson();
              const link = document.createElement('a');
              link.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
              link.download = 'specsteer-history.json';
              link.click();
              URL.revokeObjectURL(link.href);
              return 'Exported to specsteer-history.json.';
            })
          }
        >
          Export JSON
        </button>
        <label class="button">
          Import JSON
          <input
            type="file"
            accept="application/json,.json"
            data-testid="history-import"
            class="visually-hidden"
            onChange={(e) => {
              const file = (e.target as HTMLInputElement).files?.[0];
              if (file === undefined) return;
              void run(async () => {
                const { imported, skipped } = await store.importJson(await file.text());
                return (
                  `Imported ${imported} record${imported === 1 ? '' : 's'}` +
                  (skipped.length > 0
                    ? `; skipped ${skipped.map((s) => `${s.key} (${s.reason})`).join(', ')}`
                    : '.')
                );
              });
            }}
          />
        </label>
        <button
          type="button"
          class="danger"
          data-testid="history-delete-all"
          onClick={() => {
            if (confirm('Delete your whole private history from this browser?'))
              void run(() => store.deleteAll());
          }}
        >
          Delete everything
        </button>
      </div>
    </div>
  );
}
