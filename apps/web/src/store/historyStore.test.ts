import 'fake-indexeddb/auto';
import { createStore, set } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { HistoryStore, HistoryStoreError, RECORD_VERSION } from './historyStore.ts';

let counter = 0;
function freshStore(): HistoryStore {
  counter++;
  let clock = 1_000;
  let id = 0;
  return new HistoryStore(
    createStore(`test-${counter}`, 'records'),
    () => clock++,
    () => `id${++id}`,
  );
}

describe('private history store (IndexedDB)', () => {
  it('adds, edits and deletes records, oldest first', async () => {
    const store = freshStore();
    const a = await store.add('  Hey crew! Mochi ate my sock again.  ');
    await store.add('Onward, Dara', { kind: 'profile' });
    expect(a.text).toBe('Hey crew! Mochi ate my sock again.');
    await store.edit(a.id, 'Hey crew! Mochi ate my hat.');
    const { records, skipped } = await store.list();
    expect(records.map((r) => [r.kind, r.text])).toEqual([
      ['history', 'Hey crew! Mochi ate my hat.'],
      ['profile', 'Onward, Dara'],
    ]);
    expect(skipped).toEqual([]);
    await store.remove(a.id);
    expect((await store.list()).records.map((r) => r.text)).toEqual(['Onward, Dara']);
  });

  it('refuses empty and oversized texts with a code', async () => {
    const store = freshStore();
    await expect(store.add('   ')).rejects.toMatchObject({ code: 'EMPTY_TEXT' });
    await expect(store.add('x'.repeat(5_000))).rejects.toMatchObject({ code: 'TOO_LONG' });
    await expect(store.edit('missing', 'x')).rejects.toBeInstanceOf(HistoryStoreError);
  });

  it('reports a corrupt record and a record of another version by key, and keeps the rest', async () => {
    const idb = createStore('test-corrupt', 'records');
    const store = new HistoryStore(idb);
    await store.add('a good one');
    await set('record:broken', '{not json', idb);
    await set('record:old', { version: 0, id: 'old', text: 'x' }, idb);
    const { records, skipped } = await store.list();
    expect(records.map((r) => r.text)).toEqual(['a good one']);
    expect(skipped).toEqual([
      { key: 'record:broken', reason: 'not an object' },
      { key: 'record:old', reason: `record version 0; this app reads version ${RECORD_VERSION}` },
    ]);
  });

  it('export → delete everything → import restores the same records', async () => {
    const store = freshStore();
    await store.addMany(['one', 'two', 'three'], 'demo');
    const before = (await store.list()).records;
    const json = await store.exportJson();
    await store.deleteAll();
    expect((await store.list()).records).toEqual([]);
    const result = await store.importJson(json);
    expect(result).toEqual({ imported: 3, skipped: [] });
    expect((await store.list()).records).toEqual(before);
  });

  it('imports the good records of a partly bad export and names the bad ones', async () => {
    const store = freshStore();
    const good = {
      version: 1,
      id: 'g',
      kind: 'history',
      text: 'ok',
      source: 'typed',
      createdAt: 1,
      updatedAt: 1,
    };
    const result = await store.importJson(
      JSON.stringify({
        format: 'specsteer-private-history',
        version: 1,
        records: [good, { version: 2 }],
      }),
    );
    expect(result.imported).toBe(1);
    expect(result.skipped[0]!.key).toBe('records[1]');
    await expect(store.importJson('nope')).rejects.toMatchObject({ code: 'BAD_EXPORT' });
    await expect(store.importJson('{"format":"other"}')).rejects.toMatchObject({
      code: 'BAD_EXPORT',
    });
  });
});
