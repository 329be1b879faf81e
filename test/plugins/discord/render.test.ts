import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDiscord, toDiscordMarkdown } from '../../../plugins/discord/render.js';
import { fenceAfter, type Piece, pieceText, splitMarkdown, splitPieces } from '../../../plugins/discord/split.js';

/** Whether every fence opened in `text` is closed in it (the splitter's own fence rules). */
function fencesBalanced(text: string): boolean {
  let fence: ReturnType<typeof fenceAfter>;
  for (const line of text.split('\n')) fence = fenceAfter(line, fence);
  return fence === undefined;
}

/** The original text back from the pieces: bodies joined by what stood between them. */
function rejoin(pieces: Piece[]): string {
  return pieces.map((piece, i) => (i === 0 ? piece.body : piece.joiner + piece.body)).join('');
}

// Markdown-ish documents: paragraphs, long words, emoji (surrogate pairs) and closed code blocks.
const word = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/[\n`~]/g, 'x')),
  fc.constantFrom('😀', '**bold**', '`code`', '- item', '# Title', '> quote'),
  fc.integer({ min: 20, max: 300 }).map((n) => 'w'.repeat(n)),
);
const paragraph = fc.array(word, { minLength: 1, maxLength: 40 }).map((words) => words.join(' '));
const codeBlock = fc
  .tuple(
    fc.constantFrom('```', '````', '~~~'),
    fc.constantFrom('', 'ts', 'python', 'sh'),
    fc.array(fc.oneof(paragraph, fc.constant(''), fc.constant('    indented();')), { maxLength: 30 }),
  )
  .map(([fence, info, lines]) => [`${fence}${info}`, ...lines, fence].join('\n'));
const documentArb = fc.array(fc.oneof(paragraph, codeBlock, fc.constant('')), { minLength: 1, maxLength: 25 }).map((blocks) => blocks.join('\n'));

describe('splitMarkdown', () => {
  it('keeps every part within the limit, fences balanced per part, and the text intact', () => {
    fc.assert(
      fc.property(documentArb, fc.integer({ min: 40, max: 2000 }), (text, max) => {
        const pieces = splitPieces(text, max);
        expect(rejoin(pieces)).toBe(text);
        for (const piece of pieces) {
          const part = pieceText(piece);
          expect(part.length).toBeLessThanOrEqual(max);
          expect(fencesBalanced(part)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds for arbitrary text too (an unclosed fence is closed in the last part)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.integer({ min: 16, max: 500 }), (text, max) => {
        const pieces = splitPieces(text, max);
        expect(rejoin(pieces)).toBe(text);
        for (const piece of pieces) expect(pieceText(piece).length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 300 },
    );
  });

  it('returns short text unchanged as one part', () => {
    expect(splitMarkdown('hello **world**', 2000)).toEqual(['hello **world**']);
  });

  it('closes a code block at the end of a part and reopens it with its language in the next', () => {
    const code = Array.from({ length: 30 }, (_, i) => `console.log(${i});`).join('\n');
    const parts = splitMarkdown(`Intro\n\n\`\`\`ts\n${code}\n\`\`\`\nOutro`, 200);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts[0]!.startsWith('Intro')).toBe(true);
    expect(parts[0]!.endsWith('\n```')).toBe(true);
    expect(parts[1]!.startsWith('```ts\n')).toBe(true);
    expect(parts.at(-1)!.endsWith('Outro')).toBe(true);
  });

  it('cuts a line longer than a part at a space, never in a surrogate pair', () => {
    const parts = splitMarkdown('😀'.repeat(30), 21);
    expect(parts.join('')).toBe('😀'.repeat(30));
    for (const part of parts) expect(part).not.toMatch(/[\ud800-\udbff]$/);
  });
});

describe('renderDiscord', () => {
  it('splits at 2000 characters', () => {
    const parts = renderDiscord(`${'a '.repeat(1500)}\n\n${'b '.repeat(1500)}`);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
  });

  it('turns headings Discord does not render into bold, but not inside code', () => {
    expect(toDiscordMarkdown('#### Deep\n```\n#### kept\n```\n## Kept')).toBe('**Deep**\n```\n#### kept\n```\n## Kept');
  });

  it('drops parts with nothing visible', () => {
    expect(renderDiscord('\n\n   \n')).toEqual([]);
  });
});
