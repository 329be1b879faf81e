import type { IncomingMessage, ServerResponse } from 'node:http';

/** HTTP helpers of the fake Discord REST API. */

/** A fault answered to the next message creations. */
export type MessageFault =
  | { status: 429; retryAfterSeconds: number; global?: boolean }
  | { status: 403; code?: 50001 | 50013 }
  | { status: 404; code?: 10003 }
  | { status: 500 };

/** Answers a message creation with an injected fault, as Discord words it. */
export function answerFault(res: ServerResponse, fault: MessageFault): void {
  switch (fault.status) {
    case 429:
      res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      if (fault.global) res.setHeader('X-RateLimit-Global', 'true');
      res.setHeader('X-RateLimit-Scope', fault.global ? 'global' : 'user');
      json(res, 429, {
        message: 'You are being rate limited.',
        retry_after: fault.retryAfterSeconds,
        global: fault.global ?? false,
      });
      return;
    case 403:
      json(res, 403, fault.code === 50013
        ? { message: 'Missing Permissions', code: 50013 }
        : { message: 'Missing Access', code: 50001 });
      return;
    case 404:
      json(res, 404, { message: 'Unknown Channel', code: 10003 });
      return;
    case 500:
      json(res, 500, { message: '500: Internal Server Error', code: 0 });
  }
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Reads a JSON request body ({} when empty or not JSON). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    console.error('[fake-discord] request body is not JSON');
    return {};
  }
}
