import type { EmitResult } from '../../src/plugins/api.js';

/**
 * Emits each Slack message once although it arrives several times: as both `message` and
 * `app_mention` (a mention in a channel), and again as a redelivery. Later arrivals of a message
 * share the first one's emit and so its outcome: they are acknowledged when it is journaled. A
 * message whose emit failed or met a closed gateway is forgotten, so Slack's redelivery tries again.
 * Bounded: the oldest entries go first (the inbox still dedupes what falls out of this window).
 */
export class EmitOnce {
  private readonly recent = new Map<string, Promise<EmitResult>>();

  constructor(private readonly capacity = 10_000) {}

  /** Runs `emit` for `key` unless a run for it is in flight or succeeded recently; resolves with that run's result. */
  run(key: string, emit: () => Promise<EmitResult>): { result: Promise<EmitResult>; first: boolean } {
    const existing = this.recent.get(key);
    if (existing) return { result: existing, first: false };
    const result = emit().then(
      (value) => {
        if (value.status === 'closed') this.recent.delete(key);
        return value;
      },
      (error: unknown) => {
        this.recent.delete(key);
        throw error;
      },
    );
    this.recent.set(key, result);
    if (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    return { result, first: true };
  }
}
