import type { List, Nodes, Parents, Root } from 'mdast';
import { parseMarkdown } from '../../src/markdown/parse.js';
import { tableToText } from '../../src/markdown/table.js';
import { splitMarkdown } from '../discord/split.js';

/**
 * Agent Markdown (CommonMark + GFM, src/markdown/parse.ts) to Slack mrkdwn. Hand-written because
 * `slackify-markdown` needs Node 22. mrkdwn differs from Markdown in what matters here: `*bold*`,
 * `_italic_`, `~strike~`, links `<url|text>`, no headings (bold lines), and `&`, `<`, `>` must be
 * escaped everywhere, code included (Slack reads `<...>` as a link or mention otherwise). mrkdwn has
 * no tables: a table becomes aligned text in a code block.
 */

/** Slack's advised limit for a message's `text` (longer texts are truncated or split by Slack). */
export const slackMaxMessageLength = 4000;

/** Escapes the three characters mrkdwn reserves for its control sequences. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Converts agent Markdown to one mrkdwn text (unsplit). */
export function toMrkdwn(markdown: string): string {
  const tree: Root = parseMarkdown(markdown);
  return block(tree, 0).trim();
}

/**
 * Renders agent Markdown into Slack messages of at most `max` characters; a code block cut by a
 * split is closed and reopened (splitter shared with the Discord channel). Empty parts are dropped.
 */
export function renderSlack(markdown: string, max = slackMaxMessageLength): string[] {
  return splitMarkdown(toMrkdwn(markdown), max).filter((part) => part.trim() !== '');
}

/** Renders block-level children, separated by a blank line (a line break inside tight lists). */
function block(node: Parents, depth: number, separator = '\n\n'): string {
  const children = 'children' in node ? (node.children as Nodes[]) : [];
  return children
    .map((child) => blockNode(child, depth))
    .filter((text) => text !== '')
    .join(separator);
}

function blockNode(node: Nodes, depth: number): string {
  switch (node.type) {
    case 'paragraph':
      return inline(node);
    case 'heading':
      return `*${inline(node)}*`;
    case 'thematicBreak':
      return '──────────';
    case 'code':
      // Slack ignores an info string: the language would show as the first line of code.
      return `\`\`\`\n${escapeMrkdwn(node.value)}\n\`\`\``;
    case 'blockquote':
      return block(node, depth)
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n');
    case 'list':
      return list(node, depth);
    case 'table':
      return `\`\`\`\n${escapeMrkdwn(tableToText(node))}\n\`\`\``;
    case 'html':
      return escapeMrkdwn(node.value);
    case 'definition':
      return '';
    default:
      return 'children' in node ? inline(node) : 'value' in node ? escapeMrkdwn(String(node.value)) : '';
  }
}

function list(node: List, depth: number): string {
  const indent = '    '.repeat(depth);
  const start = node.start ?? 1;
  return node.children
    .map((item, index) => {
      const bullet = node.ordered ? `${start + index}.` : '•';
      const checkbox = item.checked === true ? '☑ ' : item.checked === false ? '☐ ' : '';
      const lines: string[] = [];
      for (const child of item.children) {
        // A nested list indents itself by its own depth.
        if (child.type === 'list') {
          lines.push(list(child, depth + 1));
          continue;
        }
        for (const line of blockNode(child, depth + 1).split('\n'))
          lines.push(lines.length === 0 ? `${indent}${bullet} ${checkbox}${line}` : `${indent}  ${line}`);
      }
      return lines.length > 0 ? lines.join('\n') : `${indent}${bullet}`;
    })
    .join('\n');
}

/** Renders phrasing content. */
function inline(node: Parents): string {
  const children = 'children' in node ? (node.children as Nodes[]) : [];
  return children.map(inlineNode).join('');
}

function inlineNode(node: Nodes): string {
  switch (node.type) {
    case 'text':
      return escapeMrkdwn(node.value);
    case 'delete':
      return wrap('~', inline(node));
    case 'strong':
      return wrap('*', inline(node));
    case 'emphasis':
      return wrap('_', inline(node));
    case 'inlineCode':
      return `\`${escapeMrkdwn(node.value)}\``;
    case 'break':
      return '\n';
    case 'link': {
      const label = inline(node);
      const url = escapeMrkdwn(node.url);
      return label === '' || label === url ? `<${url}>` : `<${url}|${label.replace(/\|/g, '∣')}>`;
    }
    case 'image':
      return node.alt ? `<${escapeMrkdwn(node.url)}|${escapeMrkdwn(node.alt).replace(/\|/g, '∣')}>` : `<${escapeMrkdwn(node.url)}>`;
    case 'html':
      return escapeMrkdwn(node.value);
    default:
      return 'children' in node ? inline(node) : 'value' in node ? escapeMrkdwn(String(node.value)) : '';
  }
}

/** Wraps in a mrkdwn marker; Slack needs the marker against non-space text, so outer spaces move outside. */
function wrap(marker: string, text: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(text);
  const [, lead = '', core = '', trail = ''] = match ?? [];
  return core === '' ? text : `${lead}${marker}${core}${marker}${trail}`;
}
