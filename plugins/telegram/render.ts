import type { Nodes, Parent } from 'mdast';
import { parseMarkdown } from '../../src/markdown/parse.js';
import { tableToText } from '../../src/markdown/table.js';
import { splitTelegramHtml } from './split.js';

/**
 * Agent Markdown → Telegram HTML (`parse_mode: 'HTML'`). Telegram's HTML knows only inline tags,
 * `<pre>`, `<code>`, `<a>` and `<blockquote>`: headings become bold lines, lists become bullet lines,
 * tables become aligned text in `<pre>`, everything else is escaped text. Parsed as CommonMark + GFM
 * (src/markdown/parse.ts), so escaping is decided on the syntax tree, never by regexes on the source.
 */

/** Longest Telegram message, in UTF-16 code units. */
export const telegramMaxMessageLength = 4096;

/** Escapes text for Telegram HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (href). */
function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

/** Converts Markdown to one Telegram HTML string (not split). */
export function markdownToTelegramHtml(markdown: string): string {
  const tree = parseMarkdown(markdown);
  return blocks(tree.children, '').trim();
}

/** Renders Markdown and splits it into parts within Telegram's limit. */
export function renderTelegram(markdown: string, limit = telegramMaxMessageLength): string[] {
  const html = markdownToTelegramHtml(markdown);
  if (html === '') return [];
  return splitTelegramHtml(html, limit);
}

function blocks(nodes: readonly Nodes[], indent: string): string {
  return nodes
    .map((node) => block(node, indent))
    .filter((text) => text !== '')
    .join('\n\n');
}

function block(node: Nodes, indent: string): string {
  switch (node.type) {
    case 'paragraph':
      return inline(node.children);
    case 'heading':
      return `<b>${inline(node.children)}</b>`;
    case 'code': {
      const language = node.lang ? ` class="language-${escapeAttribute(node.lang)}"` : '';
      return `<pre><code${language}>${escapeHtml(node.value)}</code></pre>`;
    }
    case 'blockquote':
      return `<blockquote>${blocks(node.children, '')}</blockquote>`;
    case 'list': {
      const start = node.start ?? 1;
      return node.children
        .map((item, index) => {
          const marker = (node.ordered ? `${start + index}. ` : '• ') + (item.checked === true ? '☑ ' : item.checked === false ? '☐ ' : '');
          const body = blocks(item.children, `${indent}  `).replace(/\n\n/g, '\n');
          return `${indent}${marker}${body}`;
        })
        .join('\n');
    }
    case 'thematicBreak':
      return '———';
    case 'table':
      return `<pre>${escapeHtml(tableToText(node))}</pre>`;
    case 'html':
      return escapeHtml(node.value);
    case 'definition':
      return '';
    default:
      return 'children' in node ? inline((node as Parent).children as Nodes[]) : inline([node]);
  }
}

function inline(nodes: readonly Nodes[]): string {
  return nodes.map(inlineNode).join('');
}

function inlineNode(node: Nodes): string {
  switch (node.type) {
    case 'text':
      return escapeHtml(node.value);
    case 'strong':
      return `<b>${inline(node.children)}</b>`;
    case 'emphasis':
      return `<i>${inline(node.children)}</i>`;
    case 'delete':
      return `<s>${inline(node.children)}</s>`;
    case 'inlineCode':
      return `<code>${escapeHtml(node.value)}</code>`;
    case 'break':
      return '\n';
    case 'link': {
      const text = inline(node.children);
      return `<a href="${escapeAttribute(node.url)}">${text === '' ? escapeHtml(node.url) : text}</a>`;
    }
    case 'image':
      return `<a href="${escapeAttribute(node.url)}">${escapeHtml(node.alt || node.url)}</a>`;
    case 'html':
      return escapeHtml(node.value);
    case 'imageReference':
      return escapeHtml(node.alt ?? '');
    default:
      return 'children' in node ? inline((node as Parent).children as Nodes[]) : 'value' in node ? escapeHtml(String(node.value)) : '';
  }
}
