/**
 * What the web channel tells a chat's browsers: replies, turn start/end, and the user's own
 * messages (so a second tab on the same chat sees them). Each chat keeps its last events in a ring
 * so a reconnecting EventSource (Last-Event-ID) gets what it missed.
 */
export type ChatEvent =
  | { type: 'message'; messageId: string; text: string; user: string }
  | { type: 'reply'; turnId: string; text: string; part: number; parts: number }
  | { type: 'turn.start'; turnId: string }
  | { type: 'turn.end'; turnId: string };

/** An event with its id (increasing over the whole hub, and across restarts: seeded from the clock). */
export interface StampedEvent {
  id: number;
  event: ChatEvent;
}

type Listener = (stamped: StampedEvent) => void;

interface ChatState {
  events: StampedEvent[];
  listeners: Set<Listener>;
  lastActive: number;
}

export class ChatHub {
  private readonly chats = new Map<string, ChatState>();
  private nextId = Date.now() * 1000;

  constructor(private readonly keep: number) {}

  /** Records an event for a chat and hands it to every listener; returns its id. */
  publish(chatId: string, event: ChatEvent): number {
    const chat = this.chat(chatId);
    const stamped = { id: ++this.nextId, event };
    chat.events.push(stamped);
    if (chat.events.length > this.keep) chat.events.splice(0, chat.events.length - this.keep);
    chat.lastActive = Date.now();
    for (const listener of chat.listeners) listener(stamped);
    return stamped.id;
  }

  /** Listens to a chat; first replays the kept events after `afterId` (all of them when undefined). */
  subscribe(chatId: string, afterId: number | undefined, listener: Listener): () => void {
    const chat = this.chat(chatId);
    for (const stamped of chat.events) if (afterId === undefined || stamped.id > afterId) listener(stamped);
    chat.listeners.add(listener);
    return () => {
      chat.listeners.delete(listener);
      chat.lastActive = Date.now();
    };
  }

  /** Whether the chat's kept events hold the user message `messageId`. */
  hasMessage(chatId: string, messageId: string): boolean {
    const chat = this.chats.get(chatId);
    return chat !== undefined && chat.events.some(({ event }) => event.type === 'message' && event.messageId === messageId);
  }

  /** A chat with a listener now, or an event or listener within the last `withinMs`. */
  isLive(chatId: string, withinMs: number): boolean {
    const chat = this.chats.get(chatId);
    return chat !== undefined && (chat.listeners.size > 0 || chat.lastActive >= Date.now() - withinMs);
  }

  /** Forgets chats with no listener and no event for `idleMs`. */
  sweep(idleMs: number): number {
    const before = Date.now() - idleMs;
    let dropped = 0;
    for (const [chatId, chat] of this.chats) {
      if (chat.listeners.size === 0 && chat.lastActive < before) {
        this.chats.delete(chatId);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.chats.size;
  }

  private chat(chatId: string): ChatState {
    let chat = this.chats.get(chatId);
    if (!chat) this.chats.set(chatId, (chat = { events: [], listeners: new Set(), lastActive: Date.now() }));
    return chat;
  }
}
