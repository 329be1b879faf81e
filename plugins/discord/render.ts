import { fenceAfter, splitMarkdown } from './split.js';

/** Discord's limit on a message's `content`. */
export const discordMaxMessageLength = 2000;

/**
 * Agent Markdown to Discord Markdown. Discord renders most of CommonMark as is (emphasis, code,
 * fences, quotes, lists, `#`-`###` headings, masked links in bot messages), so only what it lacks is
 * rewritten, outside code blocks: headings deeper than `###` become bold lines.
 */
export function toDiscordMarkdown(markdown: string): string {
  const out: string[] = [];
  let fence: ReturnType<typeof fenceAfter>;
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    const inCode = fence !== undefined;
    fence = fenceAfter(line, fence);
    const deepHeading = inCode ? null : /^ {0,3}#{4,6}\s+(.*?)\s*#*\s*$/.exec(line);
    out.push(deepHeading?.[1] ? `**${deepHeading[1]}**` : line);
  }
  return out.join('\n').trim();
}

/**
 * Renders agent Markdown into Discord messages of at most `max` characters, code blocks closed and
 * reopened across parts. Parts with nothing visible are dropped (Discord refuses empty messages).
 */
export function renderDiscord(markdown: string, max = discordMaxMessageLength): string[] {
  return splitMarkdown(toDiscordMarkdown(markdown), max).filter((part) => part.trim() !== '');
}
