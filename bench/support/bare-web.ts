// The floor for bench/web: the same HTTP API + SSE surface with no gateway behind it (POST → 202,
// reply event written at once). Run as its own process: `node bare-web.js PORT`.
import { createServer, type ServerResponse } from 'node:http';

const port = Number(process.argv[2]);
const streams = new Map<string, Set<ServerResponse>>();
let id = 0;

createServer((request, response) => {
  const match = /^\/api\/chats\/([^/]+)\/(messages|events)$/.exec(request.url ?? '');
  if (!match) return void response.writeHead(404).end();
  const chatId = match[1]!;
  if (match[2] === 'events') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write('retry: 1000\n\n');
    let set = streams.get(chatId);
    if (!set) streams.set(chatId, (set = new Set()));
    set.add(response);
    request.on('close', () => set.delete(response));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const { text } = JSON.parse(Buffer.concat(chunks).toString()) as { text: string };
    response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ messageId: String(++id) }));
    const event = `id: ${id}\ndata: ${JSON.stringify({ type: 'reply', text: `echo: ${text}` })}\n\n`;
    for (const stream of streams.get(chatId) ?? []) stream.write(event);
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
