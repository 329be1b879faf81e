/**
 * The fake's parser of Telegram's `parse_mode: 'HTML'`: the tags Telegram supports, properly nested,
 * and only the named entities it knows. Anything else is the 400 "can't parse entities" Telegram answers.
 */

const allowedTags = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji',
]);
const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Result of parsing: the plain text Telegram would show, or the error description. */
export type HtmlParse = { ok: true; plain: string } | { ok: false; description: string };

/** Parses Telegram HTML as the Bot API does (closely enough for the gateway's output). */
export function parseTelegramHtml(html: string): HtmlParse {
  const stack: string[] = [];
  let plain = '';
  let i = 0;
  const fail = (why: string): HtmlParse => ({ ok: false, description: `Bad Request: can't parse entities: ${why}` });
  while (i < html.length) {
    const char = html[i]!;
    if (char === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return fail(`Unclosed start tag at byte offset ${i}`);
      const inner = html.slice(i + 1, end);
      if (inner.startsWith('/')) {
        const name = inner.slice(1).trim().toLowerCase();
        const open = stack.pop();
        if (open !== name) return fail(`Can't find end tag corresponding to start tag "${open ?? ''}"`);
      } else {
        const name = (/^[a-z-]+/i.exec(inner)?.[0] ?? '').toLowerCase();
        if (!allowedTags.has(name)) return fail(`Unsupported start tag "${name}" at byte offset ${i}`);
        stack.push(name);
      }
      i = end + 1;
    } else if (char === '&') {
      const end = html.indexOf(';', i);
      const name = end > i ? html.slice(i + 1, end) : '';
      if (name in namedEntities) plain += namedEntities[name];
      else if (/^#\d+$/.test(name)) plain += String.fromCodePoint(Number(name.slice(1)));
      else if (/^#x[0-9a-f]+$/i.test(name)) plain += String.fromCodePoint(parseInt(name.slice(2), 16));
      else return fail(`Unsupported entity at byte offset ${i}`);
      i = end + 1;
    } else if (char === '>') {
      return fail(`Unexpected end tag at byte offset ${i}`);
    } else {
      plain += char;
      i++;
    }
  }
  if (stack.length > 0) return fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]!}"`);
  return { ok: true, plain };
}
