// A few users of the PersonaWorld eval split (seed 1), for the one-click demo:
// their history, and requests whose answer needs a fact and their style.
import { generatePersonaWorld, type EvalTask } from '@specsteer/personaworld';

export interface DemoPersona {
  userId: string;
  history: string[];
  tasks: Pick<EvalTask, 'id' | 'request' | 'reference' | 'facts' | 'styleItems'>[];
}

export function buildDemoPersonas(count = 3): DemoPersona[] {
  const world = generatePersonaWorld({ seed: 1 });
  const byUser = new Map<string, EvalTask[]>();
  for (const task of world.eval)
    byUser.set(task.userId, [...(byUser.get(task.userId) ?? []), task]);
  return [...byUser.values()].slice(0, count).map((tasks) => ({
    userId: tasks[0]!.userId,
    history: tasks[0]!.history,
    tasks: tasks.map(({ id, request, reference, facts, styleItems }) => ({
      id,
      request,
      reference,
      facts,
      styleItems,
    })),
  }));
}
