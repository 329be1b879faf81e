import type { Outbound, Target } from '../../src/core/types.js';
import type { ChannelInstance, SendResult } from '../../src/plugins/api.js';

/** A channel that records every part it is asked to send; faults can be queued per call. */
export interface RecordingChannel extends ChannelInstance {
  readonly sent: Outbound[];
  /** Texts delivered to one chat (thread ignored unless given), in order. */
  textsTo(chatId: string, threadId?: string): string[];
  /** Errors thrown by the next sends, in order. */
  faults: Error[];
}

export function recordingChannel(
  options: { maxMessageLength?: number; allowed?: (target: Target) => boolean } = {},
): RecordingChannel {
  const sent: Outbound[] = [];
  let id = 0;
  const channel: RecordingChannel = {
    kind: 'channel',
    capabilities: {
      maxMessageLength: options.maxMessageLength ?? 4096,
      format: 'plain',
      threads: true,
      typing: false,
      edits: false,
    },
    sent,
    faults: [],
    start: async () => {},
    stop: async () => {},
    async send(outbound): Promise<SendResult> {
      const fault = channel.faults.shift();
      if (fault) throw fault;
      sent.push(outbound);
      return { platformMessageId: String(++id) };
    },
    textsTo(chatId, threadId) {
      return sent
        .filter((o) => o.target.chatId === chatId && (threadId === undefined || o.target.threadId === threadId))
        .map((o) => o.text);
    },
    ...(options.allowed ? { allowsTarget: options.allowed } : {}),
  };
  return channel;
}
