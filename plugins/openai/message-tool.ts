import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { Turn } from '../../src/core/turn.js';
import { type Target, targetKey } from '../../src/core/types.js';
import type { GatewayView } from '../../src/plugins/api.js';

/** The `message` tool as the model sees it. */
export const messageTool: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'message',
    description:
      'Send a chat message now. Without channel and chat_id it goes to the current chat (and thread). ' +
      'Another chat is reachable only if its channel is running and its allowlist admits it.',
    parameters: {
      type: 'object',
      properties: {
        text: { type: 'string', description: 'The message text (Markdown).' },
        channel: { type: 'string', description: 'Channel name, e.g. telegram. Default: the current channel.' },
        chat_id: { type: 'string', description: 'Chat id on that channel. Default: the current chat.' },
        thread_id: { type: 'string', description: 'Thread / topic id inside the chat.' },
      },
      required: ['text'],
      additionalProperties: false,
    },
  },
};

/** What a call of the message tool did: the text the model gets back, and the target when it was sent. */
export interface MessageToolResult {
  result: string;
  sent?: { target: Target; text: string; toOrigin: boolean };
}

/**
 * Runs one call of the message tool. Refusals (bad arguments, a channel that is not running, a
 * target the channel's allowlist refuses) come back as a tool result the model reads, not an error.
 */
export async function runMessageTool(turn: Turn, gateway: GatewayView, rawArguments: string): Promise<MessageToolResult> {
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(rawArguments || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    args = parsed as Record<string, unknown>;
  } catch {
    return { result: 'error: the arguments are not a JSON object' };
  }
  const text = args.text;
  if (typeof text !== 'string' || text.trim() === '') return { result: 'error: "text" is required' };
  const field = (name: string): string | undefined => {
    const value = args[name];
    return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
  };
  const origin = turn.origin;
  const channel = field('channel') ?? origin.channel;
  const chatId = field('chat_id') ?? (channel === origin.channel ? origin.chatId : undefined);
  if (chatId === undefined) return { result: `error: "chat_id" is required for channel "${channel}"` };
  const sameChat = channel === origin.channel && chatId === origin.chatId;
  const threadId = field('thread_id') ?? (sameChat ? origin.threadId : undefined);
  const target: Target = threadId === undefined ? { channel, chatId } : { channel, chatId, threadId };
  if (!gateway.channel(channel)) {
    return { result: `not sent: channel "${channel}" is not enabled (running: ${gateway.channelNames().join(', ')})` };
  }
  const outcome = await turn.send(target, text);
  const toOrigin = targetKey(target) === targetKey(origin);
  switch (outcome.status) {
    case 'sent':
      return {
        result: toOrigin
          ? 'sent to the current chat: it is delivered, do not repeat it'
          : `sent to ${targetKey(target)}`,
        sent: { target, text, toOrigin },
      };
    case 'suppressed':
      return { result: `not sent (${outcome.reason})` };
    case 'refused':
      return { result: `not sent: ${outcome.reason}` };
  }
}
