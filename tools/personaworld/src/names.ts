import type { Rng } from './prng.ts';

/**
 * Invented words built from syllables. Every word the world or the style pools
 * use is registered once, so no two items share a spelling and no item is a
 * substring of another: scorers and corpus checks can then match whole words.
 */
const ONSETS = [
  'b',
  'br',
  'd',
  'dr',
  'f',
  'g',
  'gl',
  'gr',
  'k',
  'kl',
  'kr',
  'l',
  'm',
  'n',
  'p',
  'pl',
  'qu',
  'r',
  's',
  'sk',
  'st',
  't',
  'tr',
  'v',
  'vr',
  'z',
  'th',
  'sh',
  'y',
  'j',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ei', 'ou', 'y'];
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 'th', 'x', 'm', 'nd', 'rk', 'sk', 'v'];

/** Real words the syllable grammar might stumble on; invented names must be unguessable. */
const REAL_WORDS = new Set([
  'the',
  'and',
  'team',
  'hi',
  'says',
  'from',
  'back',
  'now',
  'is',
  'of',
  'to',
  'bar',
  'bin',
  'dram',
  'fan',
  'man',
  'men',
  'pin',
  'run',
  'sun',
  'tan',
  'ten',
  'van',
  'lore',
  'more',
  'sore',
  'tore',
  'grin',
  'trim',
  'skin',
  'thin',
  'shin',
  'star',
  'stir',
  'bell',
  'sell',
  'tell',
  'well',
  'yikes',
  'yes',
  'zeal',
  'dime',
  'time',
  'tune',
  'mine',
  'line',
  'fine',
  'gloom',
  'trunk',
  'drunk',
  'skunk',
  'stork',
  'stand',
]);

export class NameRegistry {
  private readonly taken: string[] = [];
  private readonly takenSet = new Set<string>();

  constructor(reserved: readonly string[] = []) {
    for (const word of reserved) this.add(word.toLowerCase());
  }

  /** A fresh invented word of `syllables` syllables, lower case. */
  invent(rng: Rng, syllables: number): string {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      let word = '';
      for (let s = 0; s < syllables; s++) {
        const onset = rng.pick(ONSETS);
        const vowel = rng.pick(VOWELS);
        // "quu" and "yy" read as typos, not names.
        if ((onset.endsWith('u') && vowel.startsWith('u')) || (onset === 'y' && vowel === 'y')) {
          word = '';
          break;
        }
        word += onset + vowel + (s === syllables - 1 || rng.next() < 0.2 ? rng.pick(CODAS) : '');
      }
      if (word.length < 4 || word.length > 9) continue;
      if (REAL_WORDS.has(word) || this.clashes(word)) continue;
      this.add(word);
      return word;
    }
    throw new Error(`could not invent a fresh ${syllables}-syllable word`);
  }

  private clashes(word: string): boolean {
    if (this.takenSet.has(word)) return true;
    for (const other of this.taken) {
      if (other.includes(word) || word.includes(other)) return true;
    }
    return false;
  }

  private add(word: string): void {
    this.taken.push(word);
    this.takenSet.add(word);
  }
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
