import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, renderSlack, slackMaxMessageLength, toMrkdwn } from '../../../plugins/slack/render.js';

describe('Markdown to Slack mrkdwn', () => {
  it('converts bold, italics, strike, inline code and links', () => {
    expect(toMrkdwn('**bold** and __also__')).toBe('*bold* and *also*');
    expect(toMrkdwn('*it* and _it_')).toBe('_it_ and _it_');
    expect(toMrkdwn('~~gone~~ stays')).toBe('~gone~ stays');
    expect(toMrkdwn('run `npm test` now')).toBe('run `npm test` now');
    expect(toMrkdwn('[the docs](https://example.com/a?b=1&c=2)')).toBe('<https://example.com/a?b=1&amp;c=2|the docs>');
    expect(toMrkdwn('<https://example.com>')).toBe('<https://example.com>');
    expect(toMrkdwn('**bold [link](https://x.io)**')).toBe('*bold <https://x.io|link>*');
  });

  it('renders GFM: strike inside words, task items, and a table as aligned text in a code block', () => {
    expect(toMrkdwn('~~a & b~~ kept')).toBe('~a &amp; b~ kept');
    expect(toMrkdwn('- [x] done\n- [ ] todo')).toBe('• ☑ done\n• ☐ todo');
    expect(toMrkdwn('| k | value |\n|:-:|---|\n| x | <y> |')).toBe('```\nk  value\n─  ─────\nx  &lt;y&gt;\n```');
  });

  it('escapes &, < and > everywhere, code included', () => {
    expect(escapeMrkdwn('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(toMrkdwn('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(toMrkdwn('<@U123> <!channel>')).toBe('&lt;@U123&gt; &lt;!channel&gt;');
    expect(toMrkdwn('`a<b>&c`')).toBe('`a&lt;b&gt;&amp;c`');
    expect(toMrkdwn('```ts\nif (a < b && c) {}\n```')).toBe('```\nif (a &lt; b &amp;&amp; c) {}\n```');
  });

  it('turns headings into bold lines and renders lists and quotes', () => {
    expect(toMrkdwn('# Title\n\ntext')).toBe('*Title*\n\ntext');
    expect(toMrkdwn('- one\n- **two**')).toBe('• one\n• *two*');
    expect(toMrkdwn('3. three\n4. four')).toBe('3. three\n4. four');
    expect(toMrkdwn('- a\n  - nested')).toBe('• a\n    • nested');
    expect(toMrkdwn('> quoted\n> more')).toBe('> quoted\n> more');
  });

  it('keeps plain text as is', () => {
    expect(toMrkdwn('hello world')).toBe('hello world');
    expect(renderSlack('   ')).toEqual([]);
  });
});

describe('splitting', () => {
  it('splits at 4000 characters without breaking a code block', () => {
    const code = Array.from({ length: 300 }, (_, i) => `line ${i} of the code`).join('\n');
    const parts = renderSlack(`intro\n\n\`\`\`\n${code}\n\`\`\`\n\noutro`);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(slackMaxMessageLength);
      // Every part has balanced fences: a block cut by the split is closed and reopened.
      expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(parts.at(-1)).toMatch(/outro$/);
  });

  it('keeps every part within the limit and loses no text (property)', () => {
    const word = fc.stringMatching(/^[a-z0-9&<>*_]{1,12}$/);
    const line = fc.array(word, { minLength: 0, maxLength: 30 }).map((words) => words.join(' '));
    const text = fc.array(line, { minLength: 1, maxLength: 60 }).map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(text, fc.integer({ min: 40, max: 400 }), (markdown, max) => {
        const whole = toMrkdwn(markdown);
        const parts = renderSlack(markdown, max);
        for (const part of parts) expect(part.length).toBeLessThanOrEqual(max);
        // Splits fall between lines or inside a line; nothing is dropped or reordered.
        const squash = (s: string) => s.replace(/\s+/g, '');
        expect(squash(parts.join(''))).toBe(squash(whole));
      }),
      { numRuns: 200 },
    );
  });
});
