import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { NO_REPLY } from '../../src/core/turn.js';
import type { Inbound, Target } from '../../src/core/types.js';
import type { HistoryEntry } from '../../src/store/types.js';

/**
 * What the gateway adds to the configured system prompt: how the message tool, dedupe and
 * steering work, so the model can use them well.
 */
export function gatewayInstructions(toolsEnabled: boolean): string {
  const lines = [
    'You are talking in a chat through a messaging gateway. User messages start with the sender\'s name in brackets, e.g. "[Ann] hello".',
    'Your final answer is sent to the chat the conversation comes from.',
  ];
  if (toolsEnabled)
    lines.push(
      'The `message` tool sends a message now: with no channel/chat_id to the current chat (and thread), or to another chat when allowed.',
      `A message you sent with the tool to the current chat is already delivered: do not repeat it; finish with exactly ${NO_REPLY} if you have nothing more to say.`,
    );
  lines.push(
    `Answer ${NO_REPLY} (alone) when you should not reply at all.`,
    'An assistant message followed by "(not delivered)" notes was never shown: new messages arrived while you wrote it. Answer with everything taken into account.',
  );
  return lines.join('\n');
}

/** The user-message text of an inbound: the sender's name, then the text (and attachment names). */
export function userContent(inbound: Inbound): string {
  const files = (inbound.attachments ?? []).map((file) => `[attachment: ${file.name ?? file.kind}]`);
  return [`[${inbound.sender.name}] ${inbound.text}`, ...files].join('\n');
}

/** The history entry of an inbound. */
export function userEntry(inbound: Inbound): HistoryEntry {
  return { role: 'user', content: userContent(inbound), name: inbound.sender.name, at: inbound.receivedAt };
}

/** The history entry of a message the agent delivered (final answer or tool send). */
export function assistantEntry(text: string, target: Target | undefined): HistoryEntry {
  const where = target ? `(sent to ${target.channel} chat ${target.chatId}) ` : '';
  return { role: 'assistant', content: `${where}${text}`, at: Date.now() };
}

/** The note that marks an answer superseded by steering input. */
export const notDelivered = '(not delivered: new messages arrived while it was written)';

/** Chat messages from stored history (user and assistant texts; tool traffic is not kept). */
export function fromHistory(entries: readonly HistoryEntry[]): ChatCompletionMessageParam[] {
  return entries.flatMap((entry): ChatCompletionMessageParam[] =>
    entry.role === 'user'
      ? [{ role: 'user', content: entry.content }]
      : entry.role === 'assistant'
        ? [{ role: 'assistant', content: entry.content }]
        : [],
  );
}
