// Field paths as a person reads them: draft.tokens[3], open.prompt.messages[0].content.

export function formatPath(messageType: string | undefined, path: readonly PropertyKey[]): string {
  let text = messageType ?? 'frame';
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return text;
}
