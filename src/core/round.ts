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
  /** Final answers a crashed run of this round placed, per target, not yet matched by the replay. */
  private replayedFinals: Map<string, number> | undefined;

  /**
   * Records a send of an earlier (crashed) run of this round, read back from the outbox. Its final
   * answers are counted: the replay's first finals to that target stand for them and are not sent,
   * whatever their text (a model's second answer differs from its first).
   */
  recordReplayed(target: Target, text: string, final: boolean): void {
    this.record(target, text);
    if (!final) return;
    const key = targetKey(target);
    this.replayedFinals ??= new Map();
    this.replayedFinals.set(key, (this.replayedFinals.get(key) ?? 0) + 1);
  }

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
    const key = targetKey(target);
    const owed = this.replayedFinals?.get(key) ?? 0;
    if (owed > 0) {
      this.replayedFinals!.set(key, owed - 1);
      return 'target_already_sent';
    }
    const texts = this.sent.get(key);
    if (!texts) return undefined;
    if (mode === 'target') return 'target_already_sent';
    return texts.has(normalized) ? 'same_text' : undefined;
  }
}
