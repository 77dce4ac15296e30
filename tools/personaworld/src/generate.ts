import { createRng } from './prng.ts';
import { NameRegistry } from './names.ts';
import {
  buildWorld,
  DEFAULT_ENTITY_COUNTS,
  twoHopChains,
  type EntityKind,
  type World,
} from './world.ts';
import {
  buildStylePools,
  POOL_SIZE,
  profileKey,
  drawProfile,
  writeHistory,
  TRAIN_HISTORY_BODIES,
  type StylePools,
} from './persona.ts';
import { buildCorpora, type DocumentType, type TrainUser } from './corpus.ts';
import { buildEvalSplit, type EvalTask } from './evalSplit.ts';
import { assertCleanContent } from './chat.ts';
import { PersonaWorldError } from './errors.ts';

export const SCHEMA_VERSION = 1;

export interface GenerateOptions {
  seed: number;
  evalTasks?: number;
  /** Size of each training corpus in bytes (large; the small one comes out about the same). */
  targetBytes?: number;
  trainUsers?: number;
  entityCounts?: Record<EntityKind, number>;
}

export const DEFAULTS = { evalTasks: 300, targetBytes: 7_000_000, trainUsers: 3000 };

export interface ExposureSummary {
  min: number;
  mean: number;
  max: number;
}

export interface PersonaWorld {
  seed: number;
  world: World;
  pools: StylePools;
  trainUsers: TrainUser[];
  trainLarge: string[];
  trainSmall: string[];
  eval: EvalTask[];
  evalUserCount: number;
  twoHopChainCount: number;
  documentsByType: Record<DocumentType, number>;
  exposures: { large: ExposureSummary; small: ExposureSummary };
}

function summarize(counts: Iterable<number>): ExposureSummary {
  const values = [...counts];
  const total = values.reduce((a, b) => a + b, 0);
  return {
    min: Math.min(...values),
    mean: Math.round((total / values.length) * 10) / 10,
    max: Math.max(...values),
  };
}

export function generatePersonaWorld(options: GenerateOptions): PersonaWorld {
  const evalTasks = options.evalTasks ?? DEFAULTS.evalTasks;
  const targetBytes = options.targetBytes ?? DEFAULTS.targetBytes;
  const trainUserCount = options.trainUsers ?? DEFAULTS.trainUsers;
  if (!Number.isInteger(evalTasks) || evalTasks < 1)
    throw new PersonaWorldError(
      'bad_argument',
      `evalTasks must be a positive integer, got ${evalTasks}`,
    );
  if (!Number.isInteger(options.seed))
    throw new PersonaWorldError('bad_argument', `seed must be an integer, got ${options.seed}`);
  if (!(targetBytes > 0))
    throw new PersonaWorldError('bad_argument', `targetBytes must be positive, got ${targetBytes}`);

  const root = createRng(options.seed);
  const names = new NameRegistry();
  const world = buildWorld(
    root.fork('world'),
    names,
    options.entityCounts ?? DEFAULT_ENTITY_COUNTS,
  );
  const pools = buildStylePools(root.fork('pools'), names);
  const chains = twoHopChains(world);

  const userRng = root.fork('train-users');
  const trainUsers: TrainUser[] = [];
  const trainKeys = new Set<string>();
  while (trainUsers.length < trainUserCount) {
    const profile = drawProfile(userRng, pools);
    if (trainKeys.has(profileKey(profile))) continue;
    trainKeys.add(profileKey(profile));
    trainUsers.push({
      profile,
      history: writeHistory(userRng, profile, TRAIN_HISTORY_BODIES, pools.recipient),
    });
  }

  const corpora = buildCorpora(
    root.fork('corpora'),
    pools,
    trainUsers,
    world.facts,
    chains,
    targetBytes,
  );
  const evalSplit = buildEvalSplit(
    root.fork('eval'),
    pools,
    world.facts,
    chains,
    evalTasks,
    trainKeys,
    new Set(trainUsers.flatMap((u) => u.history)),
  );

  for (const [i, text] of corpora.large.entries()) assertCleanText(text, `train-large[${i}]`);
  for (const [i, text] of corpora.small.entries()) assertCleanText(text, `train-small[${i}]`);
  for (const task of evalSplit.tasks) {
    for (const message of task.history) assertCleanContent(message, `${task.id}.history`);
    assertCleanContent(task.request, `${task.id}.request`);
    assertCleanContent(task.reference, `${task.id}.reference`);
  }

  return {
    seed: options.seed,
    world,
    pools,
    trainUsers,
    trainLarge: corpora.large,
    trainSmall: corpora.small,
    eval: evalSplit.tasks,
    evalUserCount: evalSplit.userCount,
    twoHopChainCount: chains.length,
    documentsByType: corpora.documentsByType,
    exposures: {
      large: summarize(corpora.largeExposures.values()),
      small: summarize(corpora.smallExposures.values()),
    },
  };
}

/** Whole documents may hold markers, but only as the chat format places them; content is checked by stripping them. */
function assertCleanText(text: string, where: string): void {
  const content = text.replace(/<\|(history|system|user|assistant|end)\|>/g, ' ');
  assertCleanContent(content, where);
}

export { POOL_SIZE };
