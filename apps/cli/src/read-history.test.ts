import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-usage-error.ts';
import { parseHistory } from './read-history.ts';

describe('parseHistory', () => {
  it('reads one message per line, skipping blank lines and # comments', () => {
    expect(
      parseHistory(
        '# my notes\nHey crew! Mochi ate my sock again.\n\n  Onward, Dara  \r\n',
        'h.txt',
      ),
    ).toEqual(['Hey crew! Mochi ate my sock again.', 'Onward, Dara']);
  });

  it('reads JSON arrays of strings or of {text}/{content} objects, bare or under "history"', () => {
    expect(parseHistory('["a", "b"]', 'h.json')).toEqual(['a', 'b']);
    expect(parseHistory('[{"text": "a"}, {"content": "b"}]', 'h.json')).toEqual(['a', 'b']);
    expect(parseHistory('{"history": ["a"]}', 'h.json')).toEqual(['a']);
    expect(parseHistory('{"messages": [{"content": "b"}]}', 'h.json')).toEqual(['b']);
  });

  it('refuses malformed JSON without quoting the private content', () => {
    const secret = 'CANARY-7f3a';
    for (const text of [
      `[{"text": 1}, "${secret}"`,
      `{"notes": ["${secret}"]}`,
      `[{"body": "${secret}"}]`,
    ]) {
      const error = (() => {
        try {
          parseHistory(text, 'h.json');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(CliUsageError);
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
