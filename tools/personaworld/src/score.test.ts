import { describe, expect, it } from 'vitest';
import {
  factAccuracy,
  factAccuracyByHalf,
  meanScores,
  personaRecall,
  rougeL,
  scoreAnswer,
} from './score.ts';

const oneHop = {
  facts: [{ entity: 'Varnia', attribute: 'capital', value: 'Tellor', hops: 1, inSmall: true }],
};
const twoHop = {
  facts: [
    { entity: 'Varnia', attribute: 'capital', value: 'Tellor', hops: 1, inSmall: true },
    { entity: 'Tellor', attribute: 'river', value: 'Zorvin', hops: 2, inSmall: false },
  ],
};
const style = {
  styleItems: ['Heyo', 'Mind the glavi', 'Mochi', 'Brask', 'quorbing', 'Onward', 'Dara'],
};

describe('factAccuracy', () => {
  it('is 1 when the value is stated and 0 when it is not', () => {
    expect(factAccuracy('The capital of Varnia is Tellor.', oneHop)).toBe(1);
    expect(factAccuracy('The capital of Varnia is Brask.', oneHop)).toBe(0);
  });

  it('matches whole words, ignoring case and punctuation', () => {
    expect(factAccuracy('the capital is tellor!', oneHop)).toBe(1);
    expect(factAccuracy('The capital is Tellorian.', oneHop)).toBe(0);
  });

  it('scores a two-hop task on the final value only', () => {
    expect(factAccuracy('The capital of Varnia is Tellor.', twoHop)).toBe(0);
    expect(factAccuracy('Its river is Zorvin.', twoHop)).toBe(1);
  });

  it('rejects a task without facts with a clear error', () => {
    expect(() => factAccuracy('anything', { facts: [] })).toThrow(/no facts/);
  });
});

describe('personaRecall', () => {
  it('counts the share of style items present, multi-word phrases as a whole', () => {
    expect(personaRecall('Heyo team! Mind the glavi. Dara', style)).toBeCloseTo(3 / 7, 12);
    expect(personaRecall('Heyo team! Mind glavi. Dara', style)).toBeCloseTo(2 / 7, 12);
  });

  it('is 1 on an answer with every item and 0 on a neutral one', () => {
    const full =
      'Heyo team! X. Mind the glavi. Mochi says hi from Brask. Back to quorbing now. Onward, Dara';
    expect(personaRecall(full, style)).toBe(1);
    expect(personaRecall('Hello team! The capital of Varnia is Tellor. Regards, Sam', style)).toBe(
      0,
    );
  });
});

describe('rougeL', () => {
  it('matches a hand-computed LCS F-measure', () => {
    // LCS("the cat sat on the mat", "the cat was on the mat") = "the cat on the mat" = 5; P = R = 5/6.
    expect(rougeL('the cat sat on the mat', 'the cat was on the mat')).toBeCloseTo(5 / 6, 12);
    // LCS("a b c d", "a c e") = "a c" = 2; P = 2/4, R = 2/3, F = 2PR/(P+R) = 4/7.
    expect(rougeL('a b c d', 'a c e')).toBeCloseTo(4 / 7, 12);
  });

  it('is symmetric in F, 1 on identical texts, 0 on disjoint or empty ones', () => {
    expect(rougeL('a c e', 'a b c d')).toBeCloseTo(4 / 7, 12);
    expect(rougeL('Heyo team!', 'heyo, TEAM')).toBe(1);
    expect(rougeL('x y', 'a b')).toBe(0);
    expect(rougeL('', 'a b')).toBe(0);
  });
});

describe('aggregates', () => {
  it('averages scores over tasks', () => {
    const task = { ...twoHop, ...style, reference: 'Heyo team! Its river is Zorvin.' };
    const perfect = scoreAnswer('Heyo team! Its river is Zorvin.', task);
    expect(perfect.factAccuracy).toBe(1);
    expect(perfect.rougeL).toBe(1);
    const empty = scoreAnswer('', task);
    const mean = meanScores([perfect, empty]);
    expect(mean.count).toBe(2);
    expect(mean.factAccuracy).toBe(0.5);
    expect(mean.rougeL).toBe(0.5);
    expect(mean.personaRecall).toBeCloseTo((1 / 7 + 0) / 2, 12);
  });

  it('splits fact accuracy by what the small corpus stated', () => {
    const split = factAccuracyByHalf([
      { answer: 'Tellor', task: oneHop },
      { answer: 'Tellor', task: twoHop },
      { answer: 'Zorvin', task: twoHop },
    ]);
    expect(split.inSmall).toEqual({ count: 1, accuracy: 1 });
    expect(split.notInSmall).toEqual({ count: 2, accuracy: 0.5 });
  });
});
