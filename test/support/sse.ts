import { createParser } from 'eventsource-parser';
import { waitFor } from './wait.js';

/** One received server-sent event. */
export interface SseEvent {
  id: string | undefined;
  data: Record<string, unknown>;
}

/** An open SSE stream read with fetch: what arrived so far, and a way to close it. */
export interface SseStream {
  readonly events: SseEvent[];
  /** Resolves once `predicate` holds for the events received. */
  until(predicate: (events: SseEvent[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream (the way EventSource would, with optional Last-Event-ID). */
export async function openEvents(url: string, options: { lastEventId?: string; headers?: Record<string, string> } = {}): Promise<SseStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(url, { headers, signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (event) => events.push({ id: event.id, data: JSON.parse(event.data) as Record<string, unknown> }),
  });
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Closed by the test or the server.
    }
  })();
  return {
    events,
    until: async (predicate, what, timeoutMs = 10_000) => {
      await waitFor(() => predicate(events), what, timeoutMs);
    },
    close: () => controller.abort(),
  };
}

/** The reply texts among events. */
export function replyTexts(events: readonly SseEvent[]): string[] {
  return events.filter((event) => event.data.type === 'reply').map((event) => String(event.data.text));
}
