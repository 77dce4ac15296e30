import type { Fact, FactChain } from './world.ts';
import {
  EVAL_HISTORY_BODIES,
  drawProfile,
  profileKey,
  styleItems,
  writeHistory,
  type StylePools,
} from './persona.ts';
import { EVAL_REQUESTS, renderAnswer, renderRequest } from './tasks.ts';
import type { Rng } from './prng.ts';
import { TWO_HOP_SHARE } from './corpus.ts';

/** One benchmark item. `facts[i].hops` is the hop at which the fact is reached; the deepest hop is the one scored. */
export interface EvalFact {
  entity: string;
  attribute: string;
  value: string;
  hops: number;
  inSmall: boolean;
}

export interface EvalTask {
  id: string;
  userId: string;
  /** Private: past messages of the user (device only). */
  history: string[];
  /** Public: what the cloud sees. */
  request: string;
  reference: string;
  facts: EvalFact[];
  styleItems: string[];
}

export const TASKS_PER_EVAL_USER = 3;

export function buildEvalSplit(
  rng: Rng,
  pools: StylePools,
  facts: readonly Fact[],
  chains: readonly FactChain[],
  taskCount: number,
  trainProfileKeys: ReadonlySet<string>,
  trainHistoryMessages: ReadonlySet<string>,
): { tasks: EvalTask[]; userCount: number } {
  const userCount = Math.ceil(taskCount / TASKS_PER_EVAL_USER);
  const users: { id: string; profile: ReturnType<typeof drawProfile>; history: string[] }[] = [];
  const seen = new Set(trainProfileKeys);
  while (users.length < userCount) {
    const profile = drawProfile(rng, pools);
    if (seen.has(profileKey(profile))) continue;
    const history = writeHistory(rng, profile, EVAL_HISTORY_BODIES, pools.recipient);
    // No eval history message may occur in training (vanishingly rare, but checked).
    if (history.some((message) => trainHistoryMessages.has(message))) continue;
    seen.add(profileKey(profile));
    users.push({ id: `eval-user-${String(users.length + 1).padStart(4, '0')}`, profile, history });
  }

  // Alternate the two halves of the world so known and unknown facts are equally represented.
  const halves = [
    rng.shuffle(facts.filter((f) => f.inSmall)),
    rng.shuffle(facts.filter((f) => !f.inSmall)),
  ];
  const halfPositions = [0, 0];
  const shuffledChains = rng.shuffle(chains);
  let chainPosition = 0;
  const tasks: EvalTask[] = [];
  for (let i = 0; i < taskCount; i++) {
    const user = users[Math.floor(i / TASKS_PER_EVAL_USER)] as (typeof users)[number];
    let chain: FactChain;
    if (rng.next() < TWO_HOP_SHARE) {
      chain = shuffledChains[chainPosition++ % shuffledChains.length] as FactChain;
    } else {
      const half = i % 2;
      const list = halves[half] as Fact[];
      chain = { facts: [list[(halfPositions[half] as number) % list.length] as Fact] };
      halfPositions[half] = (halfPositions[half] as number) + 1;
    }
    const request = renderRequest(rng.pick(EVAL_REQUESTS), chain, rng.pick(pools.recipient));
    tasks.push({
      id: `pw-eval-${String(i + 1).padStart(4, '0')}`,
      userId: user.id,
      history: user.history,
      request: request.text,
      reference: renderAnswer(user.profile, request.addressee, chain),
      facts: chain.facts.map((f, hop) => ({
        entity: f.entity,
        attribute: f.attribute,
        value: f.value,
        hops: hop + 1,
        inSmall: f.inSmall,
      })),
      styleItems: styleItems(user.profile),
    });
  }
  return { tasks, userCount };
}
