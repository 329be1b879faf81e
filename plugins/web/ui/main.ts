import { renderMarkdown } from './markdown.js';

/**
 * The chat page. Each tab gets its own chat (its id kept in sessionStorage); the list of chats this
 * browser opened is in localStorage. Messages go by POST; replies and turn start/end arrive over
 * one EventSource per open chat, which reconnects by itself (Last-Event-ID) and replays what it missed.
 */
type ChatEvent =
  | { type: 'message'; messageId: string; text: string; user: string }
  | { type: 'reply'; turnId: string; text: string; part: number; parts: number }
  | { type: 'turn.start'; turnId: string }
  | { type: 'turn.end'; turnId: string };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const messages = $<HTMLOListElement>('messages');
const input = $<HTMLTextAreaElement>('input');
const status = $<HTMLSpanElement>('status');
const stop = $<HTMLButtonElement>('stop');

const newId = () => Math.random().toString(36).slice(2, 10);
const storedChats = (): string[] => JSON.parse(localStorage.getItem('switchboard.chats') ?? '[]') as string[];

let chatId = sessionStorage.getItem('switchboard.chat') ?? `chat-${newId()}`;
let source: EventSource | undefined;
const seenEvents = new Set<string>();
const running = new Set<string>();

function rememberChat(id: string): void {
  const chats = storedChats().filter((c) => c !== id);
  chats.unshift(id);
  localStorage.setItem('switchboard.chats', JSON.stringify(chats.slice(0, 50)));
}

function renderChatList(): void {
  const list = $<HTMLUListElement>('chats');
  list.replaceChildren();
  for (const id of storedChats()) {
    const li = document.createElement('li');
    if (id === chatId) li.className = 'current';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = id;
    button.addEventListener('click', () => open(id));
    li.append(button);
    list.append(li);
  }
}

function setWorking(): void {
  const working = running.size > 0;
  document.body.classList.toggle('working', working);
  status.textContent = working ? 'working…' : '';
  stop.disabled = !working;
}

function append(kind: 'user' | 'reply' | 'notice', text: string): void {
  const li = document.createElement('li');
  li.className = kind;
  if (kind === 'reply') li.append(renderMarkdown(text));
  else li.textContent = text;
  messages.append(li);
  messages.scrollTop = messages.scrollHeight;
}

function onEvent(event: MessageEvent<string>): void {
  if (event.lastEventId) {
    if (seenEvents.has(event.lastEventId)) return;
    seenEvents.add(event.lastEventId);
  }
  const data = JSON.parse(event.data) as ChatEvent;
  if (data.type === 'message') append('user', data.text);
  else if (data.type === 'reply') append('reply', data.text);
  else if (data.type === 'turn.start') running.add(data.turnId);
  else running.delete(data.turnId);
  setWorking();
}

function open(id: string): void {
  source?.close();
  chatId = id;
  sessionStorage.setItem('switchboard.chat', id);
  rememberChat(id);
  renderChatList();
  messages.replaceChildren();
  seenEvents.clear();
  running.clear();
  setWorking();
  $<HTMLSpanElement>('chat-title').textContent = id;
  source = new EventSource(`/api/chats/${encodeURIComponent(id)}/events`);
  source.onmessage = onEvent;
  source.onerror = () => {
    status.textContent = source?.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…';
  };
  source.onopen = () => setWorking();
  input.focus();
}

async function post(text: string): Promise<void> {
  const response = await fetch(`/api/chats/${encodeURIComponent(chatId)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text, id: newId() + newId() }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    append('notice', `Not sent: ${body.error ?? response.status}`);
  }
}

$<HTMLFormElement>('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value;
  if (text.trim() === '') return;
  input.value = '';
  void post(text);
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $<HTMLFormElement>('composer').requestSubmit();
  }
});
stop.addEventListener('click', () => void post('/stop'));
$<HTMLButtonElement>('new-chat').addEventListener('click', () => open(`chat-${newId()}`));

open(chatId);
