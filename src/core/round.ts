import { NO_REPLY, type SuppressReason } from './turn.js';
import { type Target, targetKey } from './types.js';

/** `text` (default): suppress a final only if its target got the same text; `target`: any send suppresses. */
export type FinalReplyDedupe = 'text' | 'target';

/** Whitespace-normalized text, as the dedupe compares it. */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * What one round sent to which target (DESIGN.md invariant 7). It lives on the round and dies with
 * it: there is no map keyed by session that could leak (picoclaw's `sentTargets`).
 */
export class RoundRecord {
  private readonly sent = new Map<string, Set<string>>();

  /** Records a send (interim or final) to `target`. */
  record(target: Target, text: string): void {
    const key = targetKey(target);
    let texts = this.sent.get(key);
    if (!texts) this.sent.set(key, (texts = new Set()));
    texts.add(normalizeText(text));
  }

  /** Why a final answer to `target` must not be sent, or undefined if it must be. */
  suppressFinal(target: Target, text: string, mode: FinalReplyDedupe): SuppressReason | undefined {
    const normalized = normalizeText(text);
    if (normalized === '') return 'empty';
    if (normalized === NO_REPLY) return 'no_reply';
    const texts = this.sent.get(targetKey(target));
    if (!texts) return undefined;
    if (mode === 'target') return 'target_already_sent';
    return texts.has(normalized) ? 'same_text' : undefined;
  }
}
