import type { Message } from 'discord.js';
import type { MessageView } from './normalize.js';

/** Lifts the facts the gateway needs out of a discord.js message (see {@link MessageView}). */
export function viewOf(message: Message): MessageView {
  const channel = message.channel;
  const isDm = channel.isDMBased();
  const view: MessageView = {
    id: message.id,
    channelId: message.channelId,
    isDm,
    author: {
      id: message.author.id,
      username: message.author.username,
      displayName: message.member?.displayName ?? message.author.displayName,
      bot: message.author.bot,
    },
    roleIds: message.member ? [...message.member.roles.cache.keys()] : [],
    content: message.content,
    mentionedUserIds: [...message.mentions.users.keys()],
    attachments: [...message.attachments.values()].map((a) => ({
      id: a.id,
      name: a.name,
      ...(a.contentType ? { contentType: a.contentType } : {}),
      size: a.size,
      url: a.url,
    })),
  };
  if (channel.isThread() && channel.parentId) view.parentId = channel.parentId;
  if (message.guildId) view.guildId = message.guildId;
  if (message.webhookId) view.webhookId = message.webhookId;
  if (message.reference?.messageId) view.replyToId = message.reference.messageId;
  const repliedTo = message.mentions.repliedUser?.id;
  if (repliedTo) view.replyToAuthorId = repliedTo;
  return view;
}

/**
 * Runs tasks one after another per key (a chat), in call order, in parallel across keys: messages of
 * one chat reach the journal in the order the gateway delivered them. Keys are dropped when idle.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Queues `task` behind the key's earlier tasks. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    // The chain goes on after a failed task; the caller sees the failure through `result`.
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
