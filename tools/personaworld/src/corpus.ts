import { attributeNoun, chainSentence, topicPhrase, type Fact, type FactChain } from './world.ts';
import { chatDocument, MARKERS } from './chat.ts';
import { drawProfile, type Profile, type StylePools } from './persona.ts';
import { renderAnswer, renderRequest, TRAIN_REQUESTS } from './tasks.ts';
import type { Rng } from './prng.ts';

/**
 * The training corpora. Documents are planned once (type, style, template,
 * which user) from one stream and then rendered twice, once with the facts of
 * the large corpus and once with the small corpus's half, so the two corpora
 * differ only in world knowledge.
 */
export type DocumentType = 'statement' | 'qa' | 'taskWithHistory' | 'taskWithoutHistory';

export const DOCUMENT_MIX: Record<DocumentType, number> = {
  statement: 0.2,
  qa: 0.2,
  taskWithHistory: 0.45,
  taskWithoutHistory: 0.15,
};

/** Share of questions and tasks that ask for the attribute of an attribute. */
export const TWO_HOP_SHARE = 0.15;

export interface TrainUser {
  profile: Profile;
  history: string[];
}

const STATEMENT_FORMS = [
  (noun: string, f: Fact) => `The ${noun} of ${f.entity} is ${f.value}.`,
  (noun: string, f: Fact) => `${f.value} is the ${noun} of ${f.entity}.`,
  (noun: string, f: Fact) => `${f.entity}'s ${noun} is ${f.value}.`,
];

const QUESTION_FORMS = [
  (topic: string) => `What is ${topic}?`,
  (topic: string) => `Tell me ${topic}.`,
  (topic: string) => `Do you know ${topic}?`,
];

interface DocumentPlan {
  type: DocumentType;
  /** For statements: how many facts and in which phrasing; for the rest: 0 = one-hop, 1 = two-hop. */
  forms: number[];
  twoHop: boolean;
  profile?: Profile;
  history?: string[];
  requestIndex: number;
  recipient: string;
}

/** Cycles through a list in seeded random order, reshuffling each round, so every item is used equally often. */
class Cycler<T> {
  private order: T[] = [];
  private position = 0;
  constructor(
    private readonly rng: Rng,
    private readonly items: readonly T[],
  ) {
    if (items.length === 0) throw new Error('Cycler needs at least one item');
  }
  next(): T {
    if (this.position >= this.order.length) {
      this.order = this.rng.shuffle(this.items);
      this.position = 0;
    }
    return this.order[this.position++] as T;
  }
}

function pickType(rng: Rng): DocumentType {
  let x = rng.next();
  for (const [type, weight] of Object.entries(DOCUMENT_MIX) as [DocumentType, number][]) {
    if (x < weight) return type;
    x -= weight;
  }
  return 'taskWithHistory';
}

function planDocument(rng: Rng, pools: StylePools, users: Cycler<TrainUser>): DocumentPlan {
  const type = pickType(rng);
  const plan: DocumentPlan = {
    type,
    forms: [],
    twoHop: type !== 'statement' && rng.next() < TWO_HOP_SHARE,
    requestIndex: rng.int(TRAIN_REQUESTS.length),
    recipient: rng.pick(pools.recipient),
  };
  if (type === 'statement') {
    const count = rng.between(1, 2);
    for (let i = 0; i < count; i++) plan.forms.push(rng.int(STATEMENT_FORMS.length));
  } else if (type === 'qa') {
    plan.forms.push(rng.int(QUESTION_FORMS.length));
  } else if (type === 'taskWithHistory') {
    const user = users.next();
    plan.profile = user.profile;
    plan.history = user.history;
  } else {
    // A style drawn at random from the whole style space, so that without
    // history a model spreads probability over plausible styles.
    plan.profile = drawProfile(rng, pools);
  }
  return plan;
}

export class FactSource {
  readonly exposures = new Map<Fact, number>();
  private readonly single: Cycler<Fact>;
  private readonly chains: Cycler<FactChain>;
  constructor(rng: Rng, facts: readonly Fact[], chains: readonly FactChain[]) {
    this.single = new Cycler(rng.fork('single'), facts);
    this.chains = new Cycler(rng.fork('chains'), chains);
    for (const fact of facts) this.exposures.set(fact, 0);
  }
  nextChain(twoHop: boolean): FactChain {
    const chain = twoHop ? this.chains.next() : { facts: [this.single.next()] as [Fact] };
    for (const fact of chain.facts) this.exposures.set(fact, (this.exposures.get(fact) ?? 0) + 1);
    return chain;
  }
}

function renderDocument(plan: DocumentPlan, source: FactSource): string {
  switch (plan.type) {
    case 'statement':
      return plan.forms
        .map((form) => {
          const fact = source.nextChain(false).facts[0];
          return (STATEMENT_FORMS[form] as (typeof STATEMENT_FORMS)[number])(
            attributeNoun(fact),
            fact,
          );
        })
        .join(' ');
    case 'qa': {
      const chain = source.nextChain(plan.twoHop);
      const question = (QUESTION_FORMS[plan.forms[0] ?? 0] as (typeof QUESTION_FORMS)[number])(
        topicPhrase(chain),
      );
      return `${MARKERS.user}${question}${MARKERS.end}${MARKERS.assistant}${chainSentence(chain)}${MARKERS.end}`;
    }
    case 'taskWithHistory':
    case 'taskWithoutHistory': {
      const chain = source.nextChain(plan.twoHop);
      const template = TRAIN_REQUESTS[plan.requestIndex] as (typeof TRAIN_REQUESTS)[number];
      const request = renderRequest(template, chain, plan.recipient);
      const answer = renderAnswer(plan.profile as Profile, request.addressee, chain);
      return chatDocument(plan.history ?? [], request.text, answer);
    }
  }
}

export interface Corpora {
  large: string[];
  small: string[];
  largeExposures: Map<Fact, number>;
  smallExposures: Map<Fact, number>;
  documentsByType: Record<DocumentType, number>;
}

export function buildCorpora(
  rng: Rng,
  pools: StylePools,
  users: readonly TrainUser[],
  allFacts: readonly Fact[],
  allChains: readonly FactChain[],
  targetBytes: number,
): Corpora {
  const planRng = rng.fork('plans');
  const userCycler = new Cycler(rng.fork('users'), users);
  const smallFacts = allFacts.filter((f) => f.inSmall);
  const smallChains = allChains.filter((c) => c.facts.every((f) => f.inSmall));
  const largeSource = new FactSource(rng.fork('large'), allFacts, allChains);
  const smallSource = new FactSource(rng.fork('small'), smallFacts, smallChains);
  const large: string[] = [];
  const small: string[] = [];
  const documentsByType: Record<DocumentType, number> = {
    statement: 0,
    qa: 0,
    taskWithHistory: 0,
    taskWithoutHistory: 0,
  };
  let bytes = 0;
  while (bytes < targetBytes) {
    const plan = planDocument(planRng, pools, userCycler);
    documentsByType[plan.type]++;
    const largeText = renderDocument(plan, largeSource);
    large.push(largeText);
    small.push(renderDocument(plan, smallSource));
    bytes += largeText.length + 1;
  }
  return {
    large,
    small,
    largeExposures: largeSource.exposures,
    smallExposures: smallSource.exposures,
    documentsByType,
  };
}
