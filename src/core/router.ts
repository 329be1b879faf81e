import { createHash } from 'node:crypto';
import type { CoreMetrics } from '../admin/metrics.js';
import type { ChannelInstance } from '../plugins/api.js';
import type { Outbox, OutboxEntry } from '../store/types.js';
import type { Dispatcher } from './dispatcher.js';
import { type FinalReplyDedupe, normalizeText, type RoundRecord } from './round.js';
import { splitText } from './split.js';
import type { SendOutcome } from './turn.js';
import { type Target, targetKey } from './types.js';

/** Settings of the router. */
export interface RouterOptions {
  channel(name: string): ChannelInstance | undefined;
  outbox: Outbox;
  dispatcher: Dispatcher;
  metrics: CoreMetrics;
  finalReplyDedupe: FinalReplyDedupe;
}

/** One message an agent (or the gateway itself) wants delivered. */
export interface DeliveryRequest {
  /** Stable across a replay: `sessionKey#firstSeq#round`. */
  roundKey: string;
  record: RoundRecord;
  turnId: string;
  origin: Target;
  target: Target;
  text: string;
  /** Final answers go through the dedupe rules; interim sends are always sent and recorded. */
  final: boolean;
  replyToId?: string;
}

/**
 * Routes replies: resolves the target (the turn's origin unless the agent named one), applies the
 * per-round dedupe (DESIGN.md invariant 7), renders and splits to the channel's limit, places the
 * parts in the outbox, and waits for the dispatcher to deliver them.
 */
export class Router {
  constructor(private readonly options: RouterOptions) {}

  async deliver(request: DeliveryRequest): Promise<SendOutcome> {
    const { target, record } = request;
    const channel = this.options.channel(target.channel);
    if (!channel) return { status: 'refused', reason: `channel "${target.channel}" is not running` };
    const isOrigin = targetKey(target) === targetKey(request.origin);
    if (!isOrigin && !(channel.allowsTarget?.(target) ?? false)) {
      return { status: 'refused', reason: `target ${targetKey(target)} is not allowed by that channel's allowlist` };
    }
    if (request.final) {
      const reason = record.suppressFinal(target, request.text, this.options.finalReplyDedupe);
      if (reason) {
        this.options.metrics.dedupeSuppressed.inc({ reason });
        return { status: 'suppressed', reason };
      }
    } else if (normalizeText(request.text) === '') {
      return { status: 'refused', reason: 'empty message' };
    }
    // Recorded before any await, so a final racing an interim send of the same round sees it.
    record.record(target, request.text);
    const key = `${request.roundKey}|${targetKey(target)}|${digest(request.text)}`;
    const entries = this.render(channel, request.text).map(
      (text, part, parts): OutboxEntry => ({
        key: `${key}|${part}`,
        roundKey: request.roundKey,
        turnId: request.turnId,
        target,
        replyText: request.text,
        text,
        part,
        parts: parts.length,
        ...(request.replyToId !== undefined ? { replyToId: request.replyToId } : {}),
        ...(request.final ? { final: true } : {}),
      }),
    );
    const rows = await this.options.outbox.enqueue(entries);
    // Rows whose key existed were placed by an earlier run of this round (a replay): already handled.
    const deliveries = await this.options.dispatcher.deliver(rows);
    const failure = deliveries.find((delivery) => delivery.status === 'failed');
    if (failure && failure.status === 'failed') return { status: 'refused', reason: failure.reason };
    return { status: 'sent', parts: entries.length };
  }

  private render(channel: ChannelInstance, text: string): string[] {
    const parts = channel.render ? channel.render(text) : splitText(text, channel.capabilities.maxMessageLength);
    return parts.length > 0 ? parts : [text];
  }
}

function digest(text: string): string {
  return createHash('sha1').update(normalizeText(text)).digest('base64url').slice(0, 16);
}
