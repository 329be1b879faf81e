import fc from 'fast-check';
import type { Table } from 'mdast';
import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/markdown/parse.js';
import { tableToText } from '../../src/markdown/table.js';

function firstTable(markdown: string): Table {
  const table = parseMarkdown(markdown).children.find((node) => node.type === 'table');
  if (!table) throw new Error(`no table in ${JSON.stringify(markdown)}`);
  return table;
}

describe('tableToText', () => {
  it('aligns columns by their GFM alignment and underlines the header', () => {
    const text = tableToText(firstTable('| left | mid | right |\n|:--|:-:|--:|\n| a | b | c |\n| long cell | x | 12345 |'));
    expect(text.split('\n')).toEqual([
      'left       mid  right',
      '─────────  ───  ─────',
      'a           b       c',
      'long cell   x   12345',
    ]);
  });

  it('fills missing cells and keeps inline formatting as plain text', () => {
    expect(tableToText(firstTable('| a | b |\n|---|---|\n| **x** |\n| `y` | [z](http://z) |'))).toBe('a  b\n─  ─\nx\ny  z');
  });

  it('property: every row has the same column starts and every cell text is kept', () => {
    const cell = fc.stringMatching(/^[a-z0-9 ]{1,8}$/).map((s) => s.trim()).filter((s) => s !== '');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((columns) => fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { minLength: 2, maxLength: 5 })), (rows) => {
        const markdown = [rows[0]!, rows[0]!.map(() => '---'), ...rows.slice(1)].map((row) => `| ${row.join(' | ')} |`).join('\n');
        const lines = tableToText(firstTable(markdown)).split('\n');
        expect(lines).toHaveLength(rows.length + 1);
        const rule = lines[1]!;
        const starts = [...rule.matchAll(/─+/g)].map((match) => match.index);
        const textRows = [lines[0]!, ...lines.slice(2)];
        textRows.forEach((line, r) => {
          rows[r]!.forEach((value, c) => {
            expect(line.slice(starts[c], starts[c]! + value.replace(/\s+/g, ' ').length)).toBe(value.replace(/\s+/g, ' '));
          });
        });
      }),
    );
  });
});
