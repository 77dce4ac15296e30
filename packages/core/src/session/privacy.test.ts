import { describe, expect, it } from 'vitest';
import { renderOfflinePrompt, renderPublicPrompt } from '../chat/offlineTemplate.ts';
import type { Distribution } from '../engine.ts';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import {
  TABLE_TOKENIZER_FINGERPRINT,
  byteTokenize,
  tableVerifier,
} from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory } from '../transport/inMemoryTransport.ts';
import { runTokenFusion } from '../baselines/tokenFusion.ts';
import { runSpecSteer } from './specSteerSession.ts';

const V = 48;
const CANARY = 'CANARY-7f3a9-Mochi';
const history = [`Hey crew! ${CANARY} ate my sock again. Onward, Dara`, 'Second private note'];
const messages = [
  { role: 'user' as const, content: 'Write a note to the team about the capital of Varnia.' },
];

describe('privacy boundary', () => {
  it('never sends the private history, its tokens or any q value in any frame, resume included', async () => {
    const contextTokens = byteTokenize(renderOfflinePrompt({ history, messages }), V);
    // q depends on the whole device context, history included (order larger than any context).
    const privateTable = randomNgramTable({ vocabSize: V, seed: 9, order: 100_000 });
    const qValues: Distribution[] = [];
    const drafter = new TableDrafter({
      vocabSize: V,
      table: (context) => {
        const q = privateTable(context);
        qValues.push(q);
        return q;
      },
    });
    const verifier = tableVerifier({
      vocabSize: V,
      target: randomNgramTable({ vocabSize: V, seed: 1 }),
    });
    const sent: string[] = [];
    let connections = 0;
    let drafts = 0;
    const connect = inMemoryTransportFactory(() => verifier.newConversation(), {
      onFrame: ({ direction, text }, link) => {
        if (direction !== 'client-to-server') return;
        sent.push(text);
        // Drop the first connection at its third draft so that resume frames are captured too.
        if (connections === 1 && (drafts += Number(JSON.parse(text).type === 'draft')) === 3)
          link.drop();
      },
      onLink: () => void connections++,
    });
    const common = {
      connect,
      context: { device: contextTokens, public: byteTokenize(renderPublicPrompt(messages), V) },
      prompt: { messages },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: { temperature: 1, seed: 3, topK: 8, maxTokens: 40 },
      reconnect: { initialDelayMs: 0 },
    };
    const result = await runSpecSteer({ ...common, drafter, draftTokens: 4 });
    await runTokenFusion({
      ...common,
      drafter: new TableDrafter({ vocabSize: V, table: privateTable }),
    });

    const wire = sent.join('\n');
    // The capture works: the public request and a resume are on the wire.
    expect(wire).toContain('capital of Varnia');
    expect(sent.some((f) => JSON.parse(f).type === 'resume')).toBe(true);
    expect(result.metrics.resumes).toBe(1);

    expect(wire).not.toContain(CANARY);
    expect(wire).not.toContain('Mochi');
    expect(wire).not.toContain('Second private note');
    expect(wire).not.toContain('<|history|>');
    // The history's token ids never travel as a run (the public prompt goes as text here).
    const historyTokens = byteTokenize(history[0]!, V).slice(1, 13).join(',');
    expect(wire.replace(/\s/g, '')).not.toContain(historyTokens);
    // No q value in any frame, in JSON's own spelling or rounded.
    expect(qValues.length).toBeGreaterThan(40);
    for (const q of qValues) {
      for (const value of q) {
        expect(wire).not.toContain(String(value));
        expect(wire).not.toContain(value.toPrecision(6));
      }
    }
  });
});
