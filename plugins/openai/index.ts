import { definePlugin } from '../../src/plugins/api.js';
import { createOpenAIAgent, type OpenAIConfig } from './agent.js';

/**
 * An LLM assistant over any OpenAI-compatible Chat Completions API (OpenAI, Ollama, vLLM,
 * llama.cpp server, OpenRouter...).
 *
 * - History: per session from the store, the last `historyMessages` user/assistant entries; `/new`
 *   starts over (the core resets the session's history).
 * - The `message` tool sends to the origin or, when that channel runs and its allowlist admits it,
 *   another chat. A final answer repeating what the tool already sent to a chat in the same round
 *   reaches it once (the router's per-round dedupe).
 * - Steering (`gateway.queueMode: steer`): messages arriving during a turn join the conversation
 *   after a tool round, or before the final answer. An answer the model wrote before it saw such
 *   input is superseded: it is NOT sent; it stays in the conversation (and history) followed by
 *   "(not delivered...)" so the model's next answer covers everything, it is logged
 *   ("answer superseded by new messages") and counted in `switchboard_openai_superseded_answers_total`.
 * - Errors: 408/409/429/5xx, connection failures and silence longer than `requestTimeoutMs` are
 *   retried `maxRetries` times with exponential backoff, honouring `retry-after(-ms)`; then the turn
 *   fails, the core logs it with the turnId and the chat gets a short apology.
 */
export default definePlugin<OpenAIConfig, 'agent'>({
  name: 'openai',
  kind: 'agent',
  description: 'LLM assistant over an OpenAI-compatible API, with the message tool and steering',
  schema: {
    baseUrl: {
      doc: 'Base URL of the OpenAI-compatible API (e.g. http://127.0.0.1:11434/v1 for Ollama).',
      format: String,
      default: 'https://api.openai.com/v1',
    },
    apiKey: { doc: 'API key (any non-empty text for servers that ignore it).', format: String, default: '', sensitive: true },
    model: { doc: 'Model name.', format: String, default: 'gpt-4o-mini' },
    systemPrompt: { doc: 'System prompt, before the gateway\'s own instructions.', format: String, default: 'You are a helpful assistant.' },
    temperature: { doc: 'Sampling temperature; null for the server default.', format: Number, default: null, nullable: true },
    maxTokens: { doc: 'Answer length limit in tokens; 0 for the server default.', format: 'nat', default: 0 },
    requestTimeoutMs: {
      doc: 'Abort a model request when the server sends nothing (no headers, no stream chunk) for this long.',
      format: 'nat',
      default: 60_000,
    },
    maxRetries: { doc: 'Retries of a model request after 408/409/429/5xx, a connection failure or a timeout.', format: 'nat', default: 3 },
    maxToolRounds: { doc: 'Tool rounds per turn; then the model must answer without tools.', format: 'nat', default: 8 },
    historyMessages: { doc: 'History entries (user and assistant messages) given to the model.', format: 'nat', default: 40 },
    stream: { doc: 'Stream answers (SSE); /stop then cancels mid-answer. Turn off for servers without streaming.', format: Boolean, default: true },
    messageTool: { doc: 'Offer the model the `message` tool (turn off for models without tool support).', format: Boolean, default: true },
  },
  required: ['apiKey'],
  create: (context) => createOpenAIAgent(context),
});
