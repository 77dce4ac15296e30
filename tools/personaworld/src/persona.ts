import { capitalize, type NameRegistry } from './names.ts';
import type { Rng } from './prng.ts';

/**
 * Users and their style. Every style item is drawn from a pool of invented
 * words large enough (>= 40) that guessing a user's item without their history
 * succeeds at most ~2.5% of the time.
 */
export interface Profile {
  name: string;
  greeting: string;
  signOff: string;
  pet: string;
  city: string;
  hobby: string;
  phrase: string;
}

export const STYLE_KEYS = [
  'greeting',
  'phrase',
  'pet',
  'city',
  'hobby',
  'signOff',
  'name',
] as const;

export interface StylePools {
  name: string[];
  greeting: string[];
  signOff: string[];
  pet: string[];
  city: string[];
  hobby: string[];
  phrase: string[];
  /** People a request may address ("Reply to Sam about ..."). */
  recipient: string[];
}

export const POOL_SIZE = 48;

const PHRASE_FRAMES = [
  'Stay {w}',
  'Keep it {w}',
  'Mind the {w}',
  'Onward to {w}',
  'All hail the {w}',
  'Such {w}',
];

export function buildStylePools(rng: Rng, names: NameRegistry): StylePools {
  const words = (n: number, syllables: () => number, shape: (w: string) => string): string[] =>
    Array.from({ length: n }, () => shape(names.invent(rng, syllables())));
  const phrases = words(
    POOL_SIZE,
    () => 2,
    (w) => w,
  ).map((w, i) => (PHRASE_FRAMES[i % PHRASE_FRAMES.length] as string).replace('{w}', w));
  return {
    name: words(POOL_SIZE + 12, () => 2, capitalize),
    greeting: words(POOL_SIZE, () => 2, capitalize),
    signOff: words(POOL_SIZE, () => 2, capitalize),
    pet: words(POOL_SIZE, () => 2, capitalize),
    city: words(POOL_SIZE, () => 2, capitalize),
    hobby: words(
      POOL_SIZE,
      () => 2,
      (w) => `${w}ing`,
    ),
    phrase: phrases,
    recipient: words(POOL_SIZE, () => 2, capitalize),
  };
}

export function drawProfile(rng: Rng, pools: StylePools): Profile {
  return {
    name: rng.pick(pools.name),
    greeting: rng.pick(pools.greeting),
    signOff: rng.pick(pools.signOff),
    pet: rng.pick(pools.pet),
    city: rng.pick(pools.city),
    hobby: rng.pick(pools.hobby),
    phrase: rng.pick(pools.phrase),
  };
}

export function styleItems(profile: Profile): string[] {
  return STYLE_KEYS.map((key) => profile[key]);
}

export function profileKey(profile: Profile): string {
  return styleItems(profile).join('|');
}

/**
 * History message bodies. Every message carries greeting, sign-off and name;
 * "petPhrase" bodies carry pet and phrase, "cityHobby" bodies city and hobby,
 * so a history with one of each covers every style item. Training and eval use
 * disjoint sets so that no eval history sentence appears in training.
 */
interface HistoryBodies {
  petPhrase: string[];
  cityHobby: string[];
}

export const TRAIN_HISTORY_BODIES: HistoryBodies = {
  petPhrase: [
    '{pet} knocked over my tea again. {phrase}.',
    '{pet} would not stop barking at the mail. {phrase}.',
    '{phrase}, as always. {pet} agrees.',
    '{pet} slept on my notes all morning. {phrase}.',
    '{phrase}! {pet} is chasing the cat next door.',
  ],
  cityHobby: [
    'Back in {city} after a long day of {hobby}.',
    'The weather in {city} is perfect for {hobby}.',
    'Thinking of {hobby} all weekend here in {city}.',
    'Found a new spot for {hobby} near {city}.',
    'Nothing beats {hobby} on a quiet evening in {city}.',
  ],
};

/**
 * Held-out frames only for eval, mixed with the training frames: an eval user's
 * messages are new texts (their style items never occur together in training,
 * checked in generate.ts), and some sentence frames are new too, while copying
 * style from a familiar frame stays what the benchmark measures.
 */
const EVAL_ONLY_HISTORY_BODIES: HistoryBodies = {
  petPhrase: [
    '{pet} hid my keys under the sofa. {phrase}.',
    '{phrase}. {pet} wants a walk right now.',
    'Took {pet} to the vet today, all good. {phrase}.',
  ],
  cityHobby: [
    'Spent the afternoon {hobby} on the edge of {city}.',
    'Rain in {city} again, so no {hobby} today.',
    'Met an old friend in {city}, we talked about {hobby} for hours.',
  ],
};

export const EVAL_HISTORY_BODIES: HistoryBodies = {
  petPhrase: [...TRAIN_HISTORY_BODIES.petPhrase, ...EVAL_ONLY_HISTORY_BODIES.petPhrase],
  cityHobby: [...TRAIN_HISTORY_BODIES.cityHobby, ...EVAL_ONLY_HISTORY_BODIES.cityHobby],
};

const HISTORY_ADDRESSEES = ['all', 'team', 'folks', 'everyone'];

function fill(template: string, profile: Profile): string {
  return template
    .replaceAll('{pet}', profile.pet)
    .replaceAll('{phrase}', profile.phrase)
    .replaceAll('{city}', profile.city)
    .replaceAll('{hobby}', profile.hobby);
}

/** 3-6 past messages in the user's style; every style item appears at least once. */
export function writeHistory(
  rng: Rng,
  profile: Profile,
  bodies: HistoryBodies,
  recipients: readonly string[],
): string[] {
  const count = rng.between(3, 6);
  const kinds: (keyof HistoryBodies)[] = ['petPhrase', 'cityHobby'];
  while (kinds.length < count) kinds.push(rng.next() < 0.5 ? 'petPhrase' : 'cityHobby');
  return rng.shuffle(kinds).map((kind) => {
    const addressee = rng.next() < 0.5 ? rng.pick(HISTORY_ADDRESSEES) : rng.pick(recipients);
    const body = fill(rng.pick(bodies[kind]), profile);
    return `${profile.greeting} ${addressee}! ${body} ${profile.signOff}, ${profile.name}`;
  });
}
