import type { Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

/**
 * Parses agent Markdown the way LLMs write it: CommonMark plus GitHub's extensions (tables,
 * `~~strike~~`, task list items, autolinks, footnotes). Line endings are normalised to `\n`.
 */
export function parseMarkdown(markdown: string): Root {
  return fromMarkdown(markdown.replace(/\r\n?/g, '\n'), {
    extensions: [gfm()],
    mdastExtensions: [gfmFromMarkdown()],
  });
}
