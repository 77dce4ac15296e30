import { readFile, stat } from 'node:fs/promises';
import { CliUsageError } from './cli-usage-error.ts';

/** A history file larger than this is a mistake (the model's context is a few hundred tokens). */
export const MAX_HISTORY_FILE_BYTES = 1 << 20;

/**
 * The user's past messages (private: they stay in this process). Accepted forms:
 * - text: one message per line; blank lines and lines starting with `#` are skipped;
 * - JSON: an array of strings, an array of `{ text }` / `{ content }` objects,
 *   or `{ "history": [...] }` / `{ "messages": [...] }` holding either.
 * Errors never quote the file's content, only its shape.
 */
export async function readHistoryFile(path: string): Promise<string[]> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new CliUsageError(
      `cannot read the history file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > MAX_HISTORY_FILE_BYTES) {
    throw new CliUsageError(
      `the history file ${path} is ${size} bytes; keep it under ${MAX_HISTORY_FILE_BYTES} (the last few messages are enough)`,
    );
  }
  return parseHistory(await readFile(path, 'utf8'), path);
}

export function parseHistory(text: string, source: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return parseJsonHistory(trimmed, source);
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function parseJsonHistory(text: string, source: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliUsageError(`${source} starts like JSON but is not valid JSON`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const holder = value as Record<string, unknown>;
    value = holder.history ?? holder.messages;
  }
  if (!Array.isArray(value)) {
    throw new CliUsageError(
      `${source}: expected an array of messages, or an object with a "history" or "messages" array`,
    );
  }
  return value.map((item, i) => {
    const message =
      typeof item === 'string'
        ? item
        : item !== null && typeof item === 'object'
          ? ((item as Record<string, unknown>).text ?? (item as Record<string, unknown>).content)
          : undefined;
    if (typeof message !== 'string') {
      throw new CliUsageError(
        `${source}: message ${i} is not a string nor an object with a "text" string`,
      );
    }
    return message;
  });
}
