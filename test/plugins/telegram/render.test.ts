import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownToTelegramHtml, renderTelegram } from '../../../plugins/telegram/render.js';
import { htmlToPlain } from '../../../plugins/telegram/send.js';
import { splitTelegramHtml } from '../../../plugins/telegram/split.js';
import { parseTelegramHtml } from '../../fakes/telegram/html.js';

/** Parses a part as Telegram would; fails the test if Telegram would refuse it. */
function plainOf(part: string): string {
  const parsed = parseTelegramHtml(part);
  if (!parsed.ok) throw new Error(`${parsed.description} in ${JSON.stringify(part)}`);
  return parsed.plain;
}

describe('markdown to Telegram HTML', () => {
  it('maps inline formatting and escapes text, code and link targets', () => {
    expect(markdownToTelegramHtml('Some *em* and **strong**, `a<b && c>` & [x](http://a.b/?q=1&r="2")')).toBe(
      'Some <i>em</i> and <b>strong</b>, <code>a&lt;b &amp;&amp; c&gt;</code> &amp; <a href="http://a.b/?q=1&amp;r=&quot;2&quot;">x</a>',
    );
  });

  it('renders headings bold, lists as bullet lines, quotes and fenced code with its language', () => {
    const html = markdownToTelegramHtml('# Title\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```ts\nif (a < b) {}\n```');
    expect(html).toBe(
      '<b>Title</b>\n\n• one\n• two\n\n1. first\n2. second\n\n<blockquote>quoted</blockquote>\n\n' +
        '<pre><code class="language-ts">if (a &lt; b) {}</code></pre>',
    );
  });

  it('renders GFM: strike, task items, and a table as aligned text in <pre>', () => {
    expect(markdownToTelegramHtml('~~old~~ new')).toBe('<s>old</s> new');
    expect(markdownToTelegramHtml('- [x] done\n- [ ] todo')).toBe('• ☑ done\n• ☐ todo');
    expect(markdownToTelegramHtml('| name | n |\n|---|--:|\n| a<b | 10 |\n| **cc** | 2 |')).toBe(
      '<pre>name   n\n────  ──\na&lt;b   10\ncc     2</pre>',
    );
    for (const part of renderTelegram('| a | b |\n|---|---|\n| 1 | 2 |')) plainOf(part);
  });

  it('shows raw HTML in the Markdown as text instead of passing it to Telegram', () => {
    const html = markdownToTelegramHtml('<div onclick="x">hi</div>\n\ntext <span>inline</span>');
    expect(plainOf(html)).toBe('<div onclick="x">hi</div>\n\ntext <span>inline</span>');
  });

  it('keeps nested list items indented', () => {
    expect(markdownToTelegramHtml('- one\n  - inner\n- two')).toBe('• one\n  • inner\n• two');
  });

  it('returns no part for an empty reply', () => {
    expect(renderTelegram('')).toEqual([]);
  });
});

describe('splitting at 4096 UTF-16 units', () => {
  it('keeps a short message whole', () => {
    expect(renderTelegram('hello')).toEqual(['hello']);
  });

  it('breaks between paragraphs before breaking lines or words', () => {
    const paragraph = 'word '.repeat(500).trim(); // 2499 units
    const parts = renderTelegram(`${paragraph}\n\n${paragraph}`);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(`${paragraph}\n\n`);
    expect(parts[1]).toBe(paragraph);
  });

  it('breaks a long line at a space, never inside a word', () => {
    const parts = renderTelegram('abcdefghi '.repeat(1000));
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part.trim().split(' ').every((word) => word === 'abcdefghi')).toBe(true);
    }
  });

  it('continues a long code block as a code block in the next part', () => {
    const code = Array.from({ length: 600 }, (_, n) => `line ${n} < ${n + 1};`).join('\n');
    const parts = renderTelegram(`\`\`\`js\n${code}\n\`\`\``);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part.startsWith('<pre><code class="language-js">')).toBe(true);
      expect(part.endsWith('</code></pre>')).toBe(true);
      plainOf(part);
    }
    expect(parts.map(plainOf).join('')).toBe(code);
  });

  it('never splits an entity or a surrogate pair', () => {
    const parts = splitTelegramHtml('&amp;😀'.repeat(100), 10);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(10);
      plainOf(part);
      expect(/[\ud800-\udbff]$/.test(part)).toBe(false);
    }
    expect(parts.join('')).toBe('&amp;😀'.repeat(100));
  });

  it('property: parts fit, parse as Telegram HTML, and keep the text', () => {
    const word = fc.oneof(
      fc.constantFrom('a', 'word', 'x&y', '<tag>', '😀', 'naïve', 'longerword'),
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
    );
    const inlineText = fc.array(word, { minLength: 1, maxLength: 40 }).map((words) => words.join(' '));
    const block = fc.oneof(
      inlineText,
      inlineText.map((text) => `**${text}**`),
      inlineText.map((text) => `*${text}* and [link](http://e.x/?a=1&b=2)`),
      inlineText.map((text) => `# ${text}`),
      inlineText.map((text) => `> ${text}`),
      fc.array(inlineText, { minLength: 1, maxLength: 5 }).map((items) => items.map((item) => `- ${item}`).join('\n')),
      fc.array(inlineText, { minLength: 1, maxLength: 30 }).map((lines) => '```\n' + lines.join('\n') + '\n```'),
    );
    const markdown = fc.array(block, { minLength: 1, maxLength: 30 }).map((blocks) => blocks.join('\n\n'));
    const limit = fc.integer({ min: 64, max: 600 });
    fc.assert(
      fc.property(markdown, limit, (source, max) => {
        const html = markdownToTelegramHtml(source);
        const parts = splitTelegramHtml(html, max);
        for (const part of parts) expect(part.length).toBeLessThanOrEqual(max);
        expect(parts.map(plainOf).join('')).toBe(plainOf(html));
        expect(parts.map(htmlToPlain).join('')).toBe(htmlToPlain(html));
      }),
      { numRuns: 300 },
    );
  });
});
