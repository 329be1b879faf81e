import type { Table } from 'mdast';
import { toString } from 'mdast-util-to-string';

/**
 * A GFM table as aligned plain-text lines, for chats without tables (Telegram, Slack): shown in a
 * monospace block, so columns line up. Cells are their plain text; the header is underlined; each
 * column follows its GFM alignment (left by default). Width counts code points.
 */
export function tableToText(table: Table): string {
  const rows = table.children.map((row) => row.children.map((cell) => toString(cell).replace(/\s+/g, ' ').trim()));
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(1, ...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (row: readonly string[]) =>
    widths
      .map((width, column) => pad(row[column] ?? '', width, table.align?.[column] ?? null))
      .join('  ')
      .trimEnd();
  const lines = rows.map(line);
  if (lines.length > 0) lines.splice(1, 0, widths.map((width) => '─'.repeat(width)).join('  '));
  return lines.join('\n');
}

function pad(text: string, width: number, align: 'left' | 'right' | 'center' | null): string {
  const room = width - [...text].length;
  if (align === 'right') return ' '.repeat(room) + text;
  if (align === 'center') {
    const left = Math.floor(room / 2);
    return ' '.repeat(left) + text + ' '.repeat(room - left);
  }
  return text + ' '.repeat(room);
}
