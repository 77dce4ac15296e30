import { describe, expect, it } from 'vitest';
import { generatePersonaWorld } from './generate.ts';
import { attributeNoun, type Fact } from './world.ts';
import { createRng } from './prng.ts';
import { devicePrompt, publicPrompt } from './chat.ts';
import { drawProfile, profileKey, STYLE_KEYS } from './persona.ts';
import { EVAL_REQUESTS, renderAnswer, TRAIN_REQUESTS } from './tasks.ts';
import { factAccuracy, personaRecall, rougeL } from './score.ts';

// A reduced world size keeps the suite in the sub-second range.
const SMALL = { targetBytes: 150_000, evalTasks: 60 };
const pw = generatePersonaWorld({ seed: 7, ...SMALL });
const largeText = pw.trainLarge.join('\n');
const smallText = pw.trainSmall.join('\n');

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const requestOpenings = TRAIN_REQUESTS.map((t) => `<|user|>${t.text.split('{')[0] as string}`);
const isTask = (doc: string) => requestOpenings.some((opening) => doc.includes(opening));
const mentions = (text: string, phrase: string) => new RegExp(`\\b${escape(phrase)}\\b`).test(text);

describe('PersonaWorld generator', () => {
  it('is deterministic for a seed', () => {
    const again = generatePersonaWorld({ seed: 7, ...SMALL });
    expect(again.world).toEqual(pw.world);
    expect(again.trainLarge).toEqual(pw.trainLarge);
    expect(again.trainSmall).toEqual(pw.trainSmall);
    expect(again.eval).toEqual(pw.eval);
  });

  it('gives a different world, corpus and eval split for a different seed', () => {
    const other = generatePersonaWorld({ seed: 8, ...SMALL });
    expect(other.world.facts.map((f) => f.value)).not.toEqual(pw.world.facts.map((f) => f.value));
    expect(other.trainLarge.slice(0, 50)).not.toEqual(pw.trainLarge.slice(0, 50));
    expect(other.eval.map((t) => t.reference)).not.toEqual(pw.eval.map((t) => t.reference));
  });

  it('builds about 300 facts, exactly half of them in the small corpus', () => {
    const facts = pw.world.facts;
    expect(facts.length).toBe(300);
    expect(facts.filter((f) => f.inSmall).length).toBe(150);
    expect(new Set(facts.filter((f) => !f.valueIsEntity).map((f) => f.value)).size).toBe(
      facts.filter((f) => !f.valueIsEntity).length,
    );
  });

  it('keeps every document single-line printable ASCII with markers only in their roles', () => {
    for (const doc of [...pw.trainLarge, ...pw.trainSmall]) {
      expect(doc).toMatch(/^[\x20-\x7e]+$/);
      const stripped = doc.replace(/<\|(history|user|assistant|end)\|>/g, '');
      expect(stripped).not.toContain('<|');
      if (doc.includes('<|assistant|>')) expect(doc.endsWith('<|end|>')).toBe(true);
    }
  });

  it('states every fact in the large corpus', () => {
    for (const fact of pw.world.facts) {
      expect(mentions(largeText, `${fact.value}`), `${fact.entity}.${fact.attribute}`).toBe(true);
    }
  });

  it('states exactly the inSmall facts in the small corpus', () => {
    for (const fact of pw.world.facts) {
      const asked =
        mentions(smallText, `${attributeNoun(fact)} of ${fact.entity}`) ||
        mentions(smallText, `${fact.entity}'s ${attributeNoun(fact)}`);
      if (fact.inSmall) {
        expect(asked, `${fact.entity}.${fact.attribute} should be stated`).toBe(true);
        expect(mentions(smallText, fact.value)).toBe(true);
      } else {
        expect(asked, `${fact.entity}.${fact.attribute} must not be mentioned`).toBe(false);
        // An invented value word belongs to exactly one fact, so it must not appear at all.
        if (!fact.valueIsEntity) expect(mentions(smallText, fact.value), fact.value).toBe(false);
      }
    }
  });

  it('shares the persona documents between the corpora: same number of documents, same styles', () => {
    expect(pw.trainSmall.length).toBe(pw.trainLarge.length);
    const assistantOpening = (doc: string) => doc.split('<|assistant|>')[1]?.split(' ')[0];
    expect(pw.trainSmall.map(assistantOpening)).toEqual(pw.trainLarge.map(assistantOpening));
  });

  it('answers every task in the fixed frame, with every style item already in the history when there is one', () => {
    const frame =
      /^(\w+) (\w+)! The [\w ]+? of \w+ is \w+(?:, and the [\w ]+? of \w+ is \w+)?\. ([\w ]+)\. (\w+) says hi from (\w+)\. Back to (\w+) now\. (\w+), (\w+)$/;
    let withHistory = 0;
    for (const doc of pw.trainLarge) {
      const parts = doc.split('<|assistant|>');
      if (
        !parts[0]?.includes('Write') &&
        !/<\|user\|>(Tell the team|Let the team|Reply to|Send)/.test(doc)
      )
        continue;
      const answer = (parts[1] as string).replace(/<\|end\|>$/, '');
      const match = frame.exec(answer);
      expect(match, answer).not.toBeNull();
      const history = (parts[0] as string).split('<|user|>')[0] as string;
      if (history === '') continue;
      withHistory++;
      const [, greeting, , phrase, pet, city, hobby, signOff, name] = match as RegExpExecArray;
      for (const item of [greeting, phrase, pet, city, hobby, signOff, name])
        expect(history).toContain(item);
    }
    expect(withHistory).toBeGreaterThan(50);
  });

  it('answers tasks without history in styles spread over the whole pool, not one neutral style', () => {
    const withoutHistory = pw.trainLarge.filter((d) => d.startsWith('<|user|>') && isTask(d));
    const greetings = new Set(
      withoutHistory.map((d) => d.split('<|assistant|>')[1]?.split(' ')[0]),
    );
    expect(greetings.size).toBeGreaterThan(pw.pools.greeting.length / 2);
  });

  it('shares no user, history message or request phrasing between eval and training', () => {
    const trainKeys = new Set(pw.trainUsers.map((u) => profileKey(u.profile)));
    const trainText = largeText + '\n' + smallText;
    for (const task of pw.eval) {
      expect(trainKeys.has(task.styleItems.join('|'))).toBe(false);
      for (const message of task.history) expect(trainText.includes(message), message).toBe(false);
      expect(trainText.includes(task.request)).toBe(false);
    }
    for (const template of EVAL_REQUESTS) {
      const phrasing = template.text.split('{')[0] as string;
      expect(trainText.includes(phrasing), phrasing).toBe(false);
      expect(TRAIN_REQUESTS.map((t) => t.text)).not.toContain(template.text);
    }
  });

  it('writes eval histories that contain every style item at least once', () => {
    for (const task of pw.eval) {
      expect(task.styleItems).toHaveLength(STYLE_KEYS.length);
      expect(task.history.length).toBeGreaterThanOrEqual(3);
      expect(task.history.length).toBeLessThanOrEqual(6);
      expect(personaRecall(task.history.join(' '), task)).toBe(1);
    }
  });

  it('gives eval references full marks on every scorer', () => {
    for (const task of pw.eval) {
      expect(factAccuracy(task.reference, task)).toBe(1);
      expect(personaRecall(task.reference, task)).toBe(1);
      expect(rougeL(task.reference, task.reference)).toBe(1);
      for (const fact of task.facts) expect(mentions(task.reference, fact.value)).toBe(true);
    }
  });

  it("makes a user's style unguessable without history: a random style recalls at most ~5% of it", () => {
    const rng = createRng(99);
    const guesses = pw.eval.map((task) =>
      personaRecall(
        renderAnswer(drawProfile(rng, pw.pools), 'team', { facts: [pw.world.facts[0] as Fact] }),
        task,
      ),
    );
    expect(guesses.reduce((a, b) => a + b, 0) / guesses.length).toBeLessThan(0.05);
  });

  it('builds device prompts that end with exactly the public prompt', () => {
    const task = pw.eval[0] as (typeof pw.eval)[number];
    const device = devicePrompt(task.history, task.request);
    expect(device.endsWith(publicPrompt(task.request))).toBe(true);
    expect(device.startsWith('<|history|>')).toBe(true);
    expect(publicPrompt(task.request)).toBe(`<|user|>${task.request}<|end|><|assistant|>`);
  });

  it('asks about both halves of the world and includes a minority of two-hop tasks', () => {
    const big = generatePersonaWorld({ seed: 1, targetBytes: 10_000, evalTasks: 300 });
    const oneHop = big.eval.filter((t) => t.facts.length === 1);
    const twoHop = big.eval.filter((t) => t.facts.length === 2);
    const known = oneHop.filter((t) => t.facts[0]?.inSmall).length;
    expect(known / oneHop.length).toBeGreaterThan(0.4);
    expect(known / oneHop.length).toBeLessThan(0.6);
    expect(twoHop.length / big.eval.length).toBeGreaterThan(0.05);
    expect(twoHop.length / big.eval.length).toBeLessThan(0.25);
    for (const task of twoHop) expect(task.facts[1]?.entity).toBe(task.facts[0]?.value);
  });
});
