// The private history, only in this browser's IndexedDB (idb-keyval). Every
// record carries a format version; a record that is corrupt or of another
// version is reported by key and skipped — never silently dropped together
// with the good ones. Export/import use the same versioned JSON.

import { clear, createStore, del, entries, get, set, setMany, type UseStore } from 'idb-keyval';

export const RECORD_VERSION = 1;
export const EXPORT_FORMAT = 'specsteer-private-history';

export type RecordSource = 'typed' | 'demo' | 'chat' | 'import';

export interface HistoryRecord {
  version: typeof RECORD_VERSION;
  id: string;
  /** 'history': a past message of the user; 'profile': a note about the user. */
  kind: 'history' | 'profile';
  text: string;
  source: RecordSource;
  createdAt: number;
  updatedAt: number;
}

export interface SkippedRecord {
  key: string;
  reason: string;
}

export interface LoadedHistory {
  records: HistoryRecord[];
  skipped: SkippedRecord[];
}

export interface HistoryExport {
  format: typeof EXPORT_FORMAT;
  version: typeof RECORD_VERSION;
  exportedAt: number;
  records: HistoryRecord[];
}

export class HistoryStoreError extends Error {
  constructor(
    readonly code: 'EMPTY_TEXT' | 'TOO_LONG' | 'NOT_FOUND' | 'BAD_EXPORT',
    message: string,
  ) {
    super(message);
    this.name = 'HistoryStoreError';
  }
}

const MAX_TEXT = 4_000;
const KEY_PREFIX = 'record:';

/** A record read back from storage or an import, checked field by field. */
export function parseRecord(value: unknown): HistoryRecord | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.version !== RECORD_VERSION)
    return `record version ${JSON.stringify(r.version)}; this app reads version ${RECORD_VERSION}`;
  if (typeof r.id !== 'string' || r.id === '') return 'id missing';
  if (r.kind !== 'history' && r.kind !== 'profile') return `kind ${JSON.stringify(r.kind)} unknown`;
  if (typeof r.text !== 'string' || r.text.trim() === '') return 'text missing';
  if (!['typed', 'demo', 'chat', 'import'].includes(r.source as string))
    return `source ${JSON.stringify(r.source)} unknown`;
  if (typeof r.createdAt !== 'number' || typeof r.updatedAt !== 'number')
    return 'timestamps missing';
  return {
    version: RECORD_VERSION,
    id: r.id,
    kind: r.kind,
    text: r.text,
    source: r.source as RecordSource,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function checkText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new HistoryStoreError('EMPTY_TEXT', 'the text is empty');
  if (trimmed.length > MAX_TEXT)
    throw new HistoryStoreError(
      'TOO_LONG',
      `the text has ${trimmed.length} characters; at most ${MAX_TEXT} fit one record`,
    );
  return trimmed;
}

export class HistoryStore {
  private readonly store: UseStore;

  constructor(
    store?: UseStore,
    private readonly now = () => Date.now(),
    private readonly newId = () =>
      `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
  ) {
    this.store = store ?? createStore('specsteer-private', 'records');
  }

  async list(): Promise<LoadedHistory> {
    const records: HistoryRecord[] = [];
    const skipped: SkippedRecord[] = [];
    for (const [key, value] of await entries(this.store)) {
      const parsed = parseRecord(value);
      if (typeof parsed === 'string') skipped.push({ key: String(key), reason: parsed });
      else records.push(parsed);
    }
    records.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return { records, skipped };
  }

  async add(
    text: string,
    options: { kind?: HistoryRecord['kind']; source?: RecordSource } = {},
  ): Promise<HistoryRecord> {
    const at = this.now();
    const record: HistoryRecord = {
      version: RECORD_VERSION,
      id: this.newId(),
      kind: options.kind ?? 'history',
      text: checkText(text),
      source: options.source ?? 'typed',
      createdAt: at,
      updatedAt: at,
    };
    await set(KEY_PREFIX + record.id, record, this.store);
    return record;
  }

  async addMany(texts: readonly string[], source: RecordSource): Promise<number> {
    const at = this.now();
    const records = texts.map((text, i) => ({
      version: RECORD_VERSION,
      id: this.newId(),
      kind: 'history' as const,
      text: checkText(text),
      source,
      createdAt: at + i,
      updatedAt: at + i,
    }));
    await setMany(
      records.map((r) => [KEY_PREFIX + r.id, r]),
      this.store,
    );
    return records.length;
  }

  async edit(id: string, text: string): Promise<HistoryRecord> {
    const parsed = parseRecord(await get(KEY_PREFIX + id, this.store));
    if (typeof parsed === 'string')
      throw new HistoryStoreError('NOT_FOUND', `no readable record ${id} (${parsed})`);
    const record = { ...parsed, text: checkText(text), updatedAt: this.now() };
    await set(KEY_PREFIX + id, record, this.store);
    return record;
  }

  async remove(id: string): Promise<void> {
    await del(KEY_PREFIX + id, this.store);
  }

  /** Remove a record by its raw key (for skipped, unreadable records). */
  async removeKey(key: string): Promise<void> {
    await del(key, this.store);
  }

  async deleteAll(): Promise<void> {
    await clear(this.store);
  }

  async exportJson(): Promise<string> {
    const { records } = await this.list();
    const body: HistoryExport = {
      format: EXPORT_FORMAT,
      version: RECORD_VERSION,
      exportedAt: this.now(),
      records,
    };
    return JSON.stringify(body, null, 2);
  }

  /** Import an export: records with their ids (an existing id is overwritten); bad ones reported. */
  async importJson(json: string): Promise<{ imported: number; skipped: SkippedRecord[] }> {
    let body: unknown;
    try {
      body = JSON.parse(json);
    } catch (error) {
      throw new HistoryStoreError(
        'BAD_EXPORT',
        `the file is not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const b = body as Partial<HistoryExport> | null;
    if (b === null || typeof b !== 'object' || b.format !== EXPORT_FORMAT) {
      throw new HistoryStoreError(
        'BAD_EXPORT',
        `the file is not a SpecSteer history export (format must be "${EXPORT_FORMAT}")`,
      );
    }
    if (!Array.isArray(b.records))
      throw new HistoryStoreError('BAD_EXPORT', 'the export has no records list');
    const good: HistoryRecord[] = [];
    const skipped: SkippedRecord[] = [];
    b.records.forEach((value, i) => {
      const parsed = parseRecord(value);
      if (typeof parsed === 'string') skipped.push({ key: `records[${i}]`, reason: parsed });
      else good.push(parsed);
    });
    await setMany(
      good.map((r) => [KEY_PREFIX + r.id, r]),
      this.store,
    );
    return { imported: good.length, skipped };
  }
}
