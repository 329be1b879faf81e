import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { TransientError } from '../../src/core/errors.js';

/** A tool call the model asked for, assembled from the stream. */
export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model wrote it (maybe invalid). */
  arguments: string;
}

/** The model's answer to one request. */
export interface ModelAnswer {
  content: string;
  toolCalls: ToolCall[];
}

/** One chat completion request. */
export interface CompletionRequest {
  model: string;
  messages: ChatCompletionMessageParam[];
  tools?: ChatCompletionTool[];
  temperature?: number;
  maxTokens?: number;
  /** Stream the answer (SSE); `/stop` then cancels it mid-answer. */
  stream: boolean;
  /** Abort when the server sends nothing (no headers, no chunk) for this long. */
  idleTimeoutMs: number;
}

/**
 * Calls the model once. The request is aborted when `signal` fires (the turn's signal: /stop,
 * timeout, shutdown) and when the server stays silent for `idleTimeoutMs`, which is reported as a
 * {@link TransientError} so it is retried like a 5xx.
 */
export async function complete(client: OpenAI, request: CompletionRequest, signal: AbortSignal): Promise<ModelAnswer> {
  const idle = new AbortController();
  const silence = () =>
    idle.abort(new TransientError(`the model sent nothing for ${request.idleTimeoutMs} ms`, { code: 'timeout' }));
  let timer = setTimeout(silence, request.idleTimeoutMs);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(silence, request.idleTimeoutMs);
  };
  const combined = AbortSignal.any([signal, idle.signal]);
  const params = {
    model: request.model,
    messages: request.messages,
    ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
  };
  try {
    if (!request.stream) {
      const response = await client.chat.completions.create({ ...params, stream: false }, { signal: combined });
      const message = response.choices[0]?.message;
      return {
        content: message?.content ?? '',
        toolCalls: (message?.tool_calls ?? []).flatMap((call) =>
          call.type === 'function'
            ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }]
            : [],
        ),
      };
    }
    const stream = await client.chat.completions.create({ ...params, stream: true }, { signal: combined });
    let content = '';
    const calls: ToolCall[] = [];
    for await (const chunk of stream) {
      alive();
      const delta = chunk.choices[0]?.delta;
      if (!delta) continue;
      if (delta.content) content += delta.content;
      for (const part of delta.tool_calls ?? []) {
        const call = (calls[part.index] ??= { id: '', name: '', arguments: '' });
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name += part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
      }
    }
    // The SDK's stream ends quietly when aborted: a cut-off answer must not pass for a whole one.
    combined.throwIfAborted();
    return { content, toolCalls: calls.filter((call) => call !== undefined) };
  } catch (error) {
    // Our own silence timer fired, not the turn's signal: a transient failure, retried.
    if (idle.signal.aborted && !signal.aborted) throw idle.signal.reason as Error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
