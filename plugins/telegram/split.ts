/**
 * Splits Telegram HTML into parts of at most `limit` UTF-16 code units (the unit Telegram counts;
 * measured on the HTML source, which is never shorter than the parsed text, so a part always fits).
 * A part ends at a paragraph break (between top-level blocks), else a line break, else a space, else
 * anywhere between two characters; never inside a tag, an entity or a surrogate pair. Tags open at a
 * break are closed at the end of the part and reopened at the start of the next, so a long code
 * block continues as a code block in the next message. The characters of the text are kept exactly.
 */

interface Token {
  raw: string;
  kind: 'open' | 'close' | 'text';
  /** Tag name, for tags. */
  name: string;
}

type Stack = readonly Token[];

/** Splits `html` (well-formed Telegram HTML) into parts of at most `limit` UTF-16 units. */
export function splitTelegramHtml(html: string, limit: number): string[] {
  if (html.length <= limit) return [html];
  const tokens = tokenize(html);
  const parts: string[] = [];
  let stack: Stack = [];
  let start = 0;
  while (start < tokens.length) {
    const end = findEnd(tokens, start, stack, limit);
    const { stack: endStack } = advance(tokens, start, end, stack);
    parts.push(stack.map((t) => t.raw).join('') + rawOf(tokens, start, end) + closing(endStack));
    stack = endStack;
    start = end;
  }
  return parts;
}

/** Index (exclusive) where the part starting at `start` ends. */
function findEnd(tokens: readonly Token[], start: number, stack: Stack, limit: number): number {
  let length = stack.reduce((sum, t) => sum + t.raw.length, 0);
  let open = [...stack];
  let paragraph = -1;
  let line = -1;
  let word = -1;
  let lastText = -1;
  let index = start;
  while (index < tokens.length) {
    const token = tokens[index]!;
    const next = apply(open, token);
    if (length + token.raw.length + closingLength(next) > limit) break;
    length += token.raw.length;
    open = next;
    index++;
    if (token.kind !== 'text') continue;
    lastText = index;
    if (token.raw === '\n') {
      line = index;
      if (open.length === 0 && tokens[index - 2]?.raw === '\n') paragraph = index;
    } else if (token.raw === ' ') word = index;
  }
  if (index >= tokens.length) return tokens.length;
  let end = [paragraph, line, word, lastText].find((candidate) => candidate > start) ?? start + 1;
  // Take the closing tags that follow: they cost nothing (their length was reserved) and spare the
  // next part an empty element.
  while (end < tokens.length && tokens[end]!.kind === 'close') end++;
  return end;
}

function apply(open: readonly Token[], token: Token): Token[] {
  if (token.kind === 'open') return [...open, token];
  if (token.kind === 'close') {
    const at = open.map((t) => t.name).lastIndexOf(token.name);
    return at < 0 ? [...open] : open.slice(0, at);
  }
  return open as Token[];
}

function advance(tokens: readonly Token[], start: number, end: number, stack: Stack): { stack: Stack } {
  let open = [...stack];
  for (let index = start; index < end; index++) open = apply(open, tokens[index]!);
  return { stack: open };
}

function closingLength(open: readonly Token[]): number {
  return open.reduce((sum, t) => sum + t.name.length + 3, 0);
}

function closing(open: Stack): string {
  return [...open].reverse().map((t) => `</${t.name}>`).join('');
}

function rawOf(tokens: readonly Token[], start: number, end: number): string {
  let out = '';
  for (let index = start; index < end; index++) out += tokens[index]!.raw;
  return out;
}

/** Tags, entities and single characters (a surrogate pair is one character). */
function tokenize(html: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < html.length) {
    const char = html[i]!;
    if (char === '<') {
      const end = html.indexOf('>', i);
      if (end > i) {
        const raw = html.slice(i, end + 1);
        const closingTag = raw.startsWith('</');
        const name = (/^<\/?([a-z-]+)/i.exec(raw)?.[1] ?? '').toLowerCase();
        tokens.push({ raw, kind: closingTag ? 'close' : 'open', name });
        i = end + 1;
        continue;
      }
    }
    if (char === '&') {
      const entity = /^&(#\d+|#x[0-9a-f]+|[a-z]+);/i.exec(html.slice(i, i + 12));
      if (entity) {
        tokens.push({ raw: entity[0], kind: 'text', name: '' });
        i += entity[0].length;
        continue;
      }
    }
    const code = html.charCodeAt(i);
    const width = code >= 0xd800 && code <= 0xdbff && i + 1 < html.length ? 2 : 1;
    tokens.push({ raw: html.slice(i, i + width), kind: 'text', name: '' });
    i += width;
  }
  return tokens;
}
