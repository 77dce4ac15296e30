import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QWEN25_DEFAULT_SYSTEM, renderChatmlPublicPrompt } from '../chat/chatmlTemplate.ts';
import { renderPublicPrompt } from '../chat/offlineTemplate.ts';
import { TOKENIZER_PROBE_TEXTS, tokenizerFingerprint } from './fingerprint.ts';

// The protocol README is what a client in another language is written from
// (clients/python is): its fingerprint recipe and chat templates must be the
// ones this code runs.

const readme = readFileSync(new URL('../../../protocol/README.md', import.meta.url), 'utf8');

describe('packages/protocol/README.md', () => {
  it('lists the probe texts of the tokenizer fingerprint, exactly and in order', () => {
    const section = readme.slice(readme.indexOf('## The tokenizer fingerprint'));
    const block = /```text\n([\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual(TOKENIZER_PROBE_TEXTS);
  });

  it('gives a worked example of the hash that this implementation reproduces', () => {
    const empty = TOKENIZER_PROBE_TEXTS.map(() => []);
    expect(readme).toContain(
      `a vocabulary of 1024 and all\ntwelve probes tokenized to no ids give \`${tokenizerFingerprint(1024, empty)}\``,
    );
  });

  it('shows the chat templates as they render', () => {
    expect(readme).toContain(`\`${renderPublicPrompt([{ role: 'user', content: 'Hi' }])}\``);
    const qwen = renderChatmlPublicPrompt([{ role: 'user', content: 'Hi' }]);
    expect(qwen).toBe(
      `<|im_start|>system\n${QWEN25_DEFAULT_SYSTEM}<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n`,
    );
    expect(readme).toContain(`\`<|im_start|>system\\n${QWEN25_DEFAULT_SYSTEM}<|im_end|>\\n\``);
  });
});
