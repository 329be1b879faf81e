/**
 * The first journal seq of a round, read from its key `sessionKey#firstSeq#round`; 0 for any other
 * key (gateway notices). SQLite orders the outbox's unique index by it: rows added together then
 * sit together at the end of the index, not across it (their keys begin with the session key), so
 * a commit writes a page or two of that index instead of one per session.
 */
export function roundSeqOf(roundKey: string): number {
  const last = roundKey.lastIndexOf('#');
  if (last <= 0 || !digitsBetween(roundKey, last + 1, roundKey.length)) return 0;
  const before = roundKey.lastIndexOf('#', last - 1);
  if (before < 0 || !digitsBetween(roundKey, before + 1, last)) return 0;
  const seq = Number(roundKey.slice(before + 1, last));
  return Number.isSafeInteger(seq) ? seq : 0;
}

function digitsBetween(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}
