import { chainSentence, topicPhrase, type FactChain } from './world.ts';
import type { Profile } from './persona.ts';

/**
 * Requests and their reference answers. The answer frame is fixed and short so
 * that a ~1M-parameter model can learn it; it carries every style item of the user.
 */
export interface RequestTemplate {
  text: string;
  /** Whom the answer greets: the team, or the recipient named in the request. */
  addressee: 'team' | 'recipient';
}

export const TRAIN_REQUESTS: RequestTemplate[] = [
  { text: 'Write a note to the team about {topic}.', addressee: 'team' },
  { text: 'Tell the team about {topic}.', addressee: 'team' },
  { text: 'Let the team know about {topic}.', addressee: 'team' },
  { text: 'Reply to {recipient} about {topic}.', addressee: 'recipient' },
  { text: 'Write a message to {recipient} about {topic}.', addressee: 'recipient' },
  { text: 'Send {recipient} a note about {topic}.', addressee: 'recipient' },
];

/** Held out: no eval request phrasing appears in training. */
export const EVAL_REQUESTS: RequestTemplate[] = [
  { text: 'Draft a short note for the team on {topic}.', addressee: 'team' },
  { text: 'Post an update to the team about {topic}.', addressee: 'team' },
  { text: "Answer {recipient}'s question about {topic}.", addressee: 'recipient' },
  { text: 'Drop {recipient} a line about {topic}.', addressee: 'recipient' },
];

export interface Request {
  text: string;
  addressee: string;
}

export function renderRequest(
  template: RequestTemplate,
  chain: FactChain,
  recipient: string,
): Request {
  const text = template.text
    .replace('{topic}', topicPhrase(chain))
    .replace('{recipient}', recipient);
  return { text, addressee: template.addressee === 'team' ? 'team' : recipient };
}

/** "{greeting} {addressee}! {facts} {phrase}. {pet} says hi from {city}. Back to {hobby} now. {signOff}, {name}" */
export function renderAnswer(profile: Profile, addressee: string, chain: FactChain): string {
  return (
    `${profile.greeting} ${addressee}! ${chainSentence(chain)} ${profile.phrase}. ` +
    `${profile.pet} says hi from ${profile.city}. Back to ${profile.hobby} now. ${profile.signOff}, ${profile.name}`
  );
}
