import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-usage-error.ts';
import { decodeText, parseHistory } from './read-history.ts';

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

describe('decodeText', () => {
  it('refuses a binary file with a clear message and its own code', () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(() => decodeText(bytes, 'photo.png')).toThrow(
      expect.objectContaining({ code: 'HISTORY_NOT_TEXT', exitCode: 2 }),
    );
    expect(() => decodeText(bytes, 'photo.png')).toThrow(/photo\.png is not a text file/);
  });

  it('refuses bytes that are not UTF-8 even without a zero byte', () => {
    expect(() => decodeText(new Uint8Array([0x68, 0x69, 0xff, 0xfe]), 'h.txt')).toThrow(
      /not valid UTF-8/,
    );
  });

  it('accepts UTF-8 text, with or without a byte-order mark', () => {
    const text = 'Mepei folks! Nybu — café';
    expect(decodeText(new TextEncoder().encode(text), 'h.txt')).toBe(text);
    expect(decodeText(new TextEncoder().encode(`\uFEFF${text}`), 'h.txt')).toBe(text);
  });
});
