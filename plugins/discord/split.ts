/**
 * Splits Discord Markdown into messages of at most `max` UTF-16 code units without breaking code
 * blocks: a part that ends inside a fenced block closes it, and the next part reopens it with the
 * same fence and info string (so the language highlighting carries over). Breaks fall between lines;
 * a line longer than a part is cut, at a space in the last half of the window if there is one, never
 * inside a surrogate pair.
 */

/** A fenced code block that is open at some point of the text. */
interface Fence {
  char: '`' | '~';
  length: number;
  /** The opening line without its indentation (fence + info string), used to reopen it. */
  header: string;
}

/** One part of a split, with what the splitter added around the original text. */
export interface Piece {
  /** What stood between the previous piece's body and this one in the original: a line break, or nothing (a cut line). */
  joiner: '' | '\n';
  /** Fence line added before the body to reopen a block the previous part closed. */
  reopen?: string;
  /** A slice of the original text. */
  body: string;
  /** Fence line added after the body to close a block that continues in the next part. */
  close?: string;
}

const fenceLine = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** The fence state after `line`, given the state before it (CommonMark fence rules, simplified). */
export function fenceAfter(line: string, fence: Fence | undefined): Fence | undefined {
  const match = fenceLine.exec(line);
  if (!fence) {
    if (!match) return undefined;
    const marker = match[1] as string;
    const info = match[2] as string;
    if (marker.startsWith('`') && info.includes('`')) return undefined; // inline code, not a fence
    return { char: marker[0] as '`' | '~', length: marker.length, header: (marker + info).trim() };
  }
  if (match) {
    const marker = match[1] as string;
    if (marker[0] === fence.char && marker.length >= fence.length && (match[2] as string).trim() === '') return undefined;
  }
  return fence;
}

const closingOf = (fence: Fence): string => fence.char.repeat(fence.length);
const closeCost = (fence: Fence | undefined): number => (fence ? 1 + fence.length : 0);

/** Text of a piece as sent. */
export function pieceText(piece: Piece): string {
  return `${piece.reopen !== undefined ? `${piece.reopen}\n` : ''}${piece.body}${piece.close !== undefined ? `\n${piece.close}` : ''}`;
}

/** Splits `text` into pieces whose `pieceText` is at most `max` long (see the module comment). */
export function splitPieces(text: string, max: number): Piece[] {
  if (max < 16) throw new RangeError(`max must be >= 16, got ${max}`);
  const pieces: Piece[] = [];
  let fence: Fence | undefined;
  let joiner: '' | '\n' = '\n';
  let reopen: string | undefined;
  let body = '';
  let lines = 0;

  const fixed = () => (reopen !== undefined ? reopen.length + 1 : 0);
  const fits = (extra: number, after: Fence | undefined) =>
    fixed() + body.length + (lines > 0 ? 1 : 0) + extra + closeCost(after) <= max;
  const append = (chunk: string) => {
    body = lines > 0 ? `${body}\n${chunk}` : chunk;
    lines++;
  };
  const flush = (nextJoiner: '' | '\n') => {
    const piece: Piece = { joiner: pieces.length === 0 ? '\n' : joiner, body };
    if (reopen !== undefined) piece.reopen = reopen;
    if (fence) piece.close = closingOf(fence);
    pieces.push(piece);
    joiner = nextJoiner;
    // A very long info string is dropped when reopening, so a reopened part always has room.
    reopen = fence ? (fence.header.length <= max / 4 ? fence.header : closingOf(fence)) : undefined;
    body = '';
    lines = 0;
  };

  for (const line of text.split('\n')) {
    const after = fenceAfter(line, fence);
    if (fits(line.length, after)) {
      append(line);
      fence = after;
      continue;
    }
    if (lines > 0) flush('\n');
    if (fits(line.length, after)) {
      append(line);
      fence = after;
      continue;
    }
    // The line alone is longer than a part: cut it. Chunks join back with nothing in between.
    let rest = line;
    for (;;) {
      if (fits(rest.length, after)) {
        append(rest);
        fence = after;
        break;
      }
      const room = max - fixed() - closeCost(fence);
      if (room < 2) throw new RangeError(`max ${max} leaves no room inside a fence`);
      const cut = findCut(rest, room);
      append(rest.slice(0, cut));
      rest = rest.slice(cut);
      flush('');
    }
  }
  if (lines > 0) {
    const piece: Piece = { joiner: pieces.length === 0 ? '\n' : joiner, body };
    if (reopen !== undefined) piece.reopen = reopen;
    if (fence) piece.close = closingOf(fence); // the text left a fence open: close it in its last part
    pieces.push(piece);
  }
  return pieces;
}

function findCut(text: string, room: number): number {
  const space = text.lastIndexOf(' ', room - 1);
  if (space >= Math.floor(room / 2)) return space + 1;
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}

/** Splits Markdown into message texts of at most `max` characters with balanced code fences. */
export function splitMarkdown(text: string, max: number): string[] {
  return splitPieces(text, max).map(pieceText);
}
