import { capitalize, type NameRegistry } from './names.ts';
import type { Rng } from './prng.ts';

/**
 * The world: invented entities and their facts. Some attribute values are
 * themselves entities (the capital of a country is a city), which is what
 * makes two-hop requests possible ("the river of the capital of Varnia").
 */
export type EntityKind = 'country' | 'city' | 'person' | 'organisation';

export interface Entity {
  name: string;
  kind: EntityKind;
}

export interface Fact {
  entity: string;
  kind: EntityKind;
  attribute: string;
  value: string;
  /** True when the value is another entity of the world (a hop can continue from it). */
  valueIsEntity: boolean;
  /** True when the small model's corpus states this fact. */
  inSmall: boolean;
}

interface AttributeSpec {
  /** Noun phrase used in "the {noun} of {entity}". */
  noun: string;
  /** Kind of entity the value is, when the value is an entity; otherwise the value is an invented word. */
  valueKind?: EntityKind;
  /** Values of an entity-valued attribute are distinct across entities (each country its own capital). */
  distinct?: boolean;
}

export const ATTRIBUTES: Record<EntityKind, Record<string, AttributeSpec>> = {
  country: {
    capital: { noun: 'capital', valueKind: 'city', distinct: true },
    currency: { noun: 'currency' },
    language: { noun: 'language' },
    bird: { noun: 'national bird' },
    mountain: { noun: 'highest mountain' },
  },
  city: {
    river: { noun: 'river' },
    tower: { noun: 'oldest tower' },
    dish: { noun: 'famous dish' },
    festival: { noun: 'festival' },
    market: { noun: 'market' },
  },
  person: {
    instrument: { noun: 'instrument' },
    hometown: { noun: 'hometown', valueKind: 'city' },
    book: { noun: 'first book' },
    craft: { noun: 'craft' },
    fruit: { noun: 'favourite fruit' },
  },
  organisation: {
    founder: { noun: 'founder', valueKind: 'person', distinct: true },
    headquarters: { noun: 'headquarters', valueKind: 'city' },
    product: { noun: 'best product' },
    mascot: { noun: 'mascot' },
    motto: { noun: 'motto word' },
  },
};

export const DEFAULT_ENTITY_COUNTS: Record<EntityKind, number> = {
  country: 12,
  city: 16,
  person: 18,
  organisation: 14,
};

export interface World {
  entities: Entity[];
  facts: Fact[];
}

export function attributeNoun(fact: Pick<Fact, 'kind' | 'attribute'>): string {
  const spec = ATTRIBUTES[fact.kind][fact.attribute];
  if (!spec) throw new Error(`unknown attribute ${fact.kind}.${fact.attribute}`);
  return spec.noun;
}

export function buildWorld(rng: Rng, names: NameRegistry, counts = DEFAULT_ENTITY_COUNTS): World {
  const entities: Entity[] = [];
  const byKind: Record<EntityKind, string[]> = {
    country: [],
    city: [],
    person: [],
    organisation: [],
  };
  for (const kind of Object.keys(counts) as EntityKind[]) {
    for (let i = 0; i < counts[kind]; i++) {
      const name = capitalize(names.invent(rng, 2));
      entities.push({ name, kind });
      byKind[kind].push(name);
    }
  }

  const facts: Fact[] = [];
  for (const kind of Object.keys(counts) as EntityKind[]) {
    for (const [attribute, spec] of Object.entries(ATTRIBUTES[kind])) {
      const owners = byKind[kind];
      let distinctValues: string[] = [];
      if (spec.valueKind && spec.distinct) {
        const pool = byKind[spec.valueKind];
        if (pool.length < owners.length) {
          throw new Error(
            `${kind}.${attribute} needs ${owners.length} distinct ${spec.valueKind} entities, have ${pool.length}`,
          );
        }
        distinctValues = rng.shuffle(pool);
      }
      owners.forEach((entity, i) => {
        let value: string;
        if (spec.valueKind) {
          value = spec.distinct
            ? (distinctValues[i] as string)
            : rng.pick(byKind[spec.valueKind].filter((v) => v !== entity));
        } else {
          value = capitalize(names.invent(rng, 2));
        }
        facts.push({
          entity,
          kind,
          attribute,
          value,
          valueIsEntity: spec.valueKind !== undefined,
          inSmall: false,
        });
      });
    }
  }

  // The knowledge gap by construction: per attribute, exactly half of the
  // facts (rounded down) go to the small corpus, so both halves cover every attribute.
  const groups = new Map<string, Fact[]>();
  for (const fact of facts) {
    const key = `${fact.kind}.${fact.attribute}`;
    groups.set(key, [...(groups.get(key) ?? []), fact]);
  }
  for (const group of groups.values()) {
    const shuffled = rng.shuffle(group);
    shuffled.slice(0, Math.floor(shuffled.length / 2)).forEach((fact) => (fact.inSmall = true));
  }
  return { entities, facts };
}

/** A question the world can answer: one fact, or two where the second starts from the first's value. */
export interface FactChain {
  facts: [Fact] | [Fact, Fact];
}

export function twoHopChains(world: World): FactChain[] {
  const byEntity = new Map<string, Fact[]>();
  for (const fact of world.facts)
    byEntity.set(fact.entity, [...(byEntity.get(fact.entity) ?? []), fact]);
  const chains: FactChain[] = [];
  for (const first of world.facts) {
    if (!first.valueIsEntity) continue;
    for (const second of byEntity.get(first.value) ?? []) {
      // Skip chains that lead back to where they started; they read oddly.
      if (second.value === first.entity) continue;
      chains.push({ facts: [first, second] });
    }
  }
  return chains;
}

/** "the river of the capital of Varnia" */
export function topicPhrase(chain: FactChain): string {
  const [first, second] = chain.facts;
  if (!second) return `the ${attributeNoun(first)} of ${first.entity}`;
  return `the ${attributeNoun(second)} of the ${attributeNoun(first)} of ${first.entity}`;
}

/** The canonical answer sentence; a two-hop answer states the first hop before the second. */
export function chainSentence(chain: FactChain): string {
  const [first, second] = chain.facts;
  const firstClause = `The ${attributeNoun(first)} of ${first.entity} is ${first.value}`;
  if (!second) return `${firstClause}.`;
  return `${firstClause}, and the ${attributeNoun(second)} of ${second.entity} is ${second.value}.`;
}
