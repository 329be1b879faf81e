/**
 * Splits text into parts of at most `max` UTF-16 code units (the unit Telegram and JavaScript count),
 * preferring a paragraph break, then a line break, then a space, in the last half of the window;
 * a hard cut never falls between the two halves of a surrogate pair. Every character of the input is
 * kept: the parts joined back give the original text, except for the whitespace at a break, which is
 * trimmed from the part ends.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 2) throw new RangeError(`max must be >= 2, got ${max}`);
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = findCut(rest, max);
    const part = rest.slice(0, cut).trimEnd();
    if (part !== '') parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

function findCut(text: string, max: number): number {
  const floor = Math.floor(max / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = text.lastIndexOf(separator, max - separator.length);
    if (at >= floor) return at + separator.length;
  }
  // No break in the window: cut hard, but not inside a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}
