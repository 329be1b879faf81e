import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { Counter, type Registry } from 'prom-client';
import { NO_REPLY, type Turn } from '../../src/core/turn.js';
import type { Inbound } from '../../src/core/types.js';
import type { AgentInstance, PluginContext } from '../../src/plugins/api.js';
import { complete, type ModelAnswer } from './completion.js';
import {
  assistantEntry,
  fromHistory,
  gatewayInstructions,
  notDelivered,
  userContent,
  userEntry,
} from './conversation.js';
import { messageTool, runMessageTool } from './message-tool.js';
import { type RetryPolicy, withRetries } from './retry.js';

/** Config of the openai agent (`plugins.openai`). */
export interface OpenAIConfig {
  baseUrl: string;
  apiKey: string;
  model: string;
  systemPrompt: string;
  /** Sampling temperature; null leaves the server's default. */
  temperature: number | null;
  /** Answer length limit in tokens; 0 leaves the server's default. */
  maxTokens: number;
  requestTimeoutMs: number;
  maxRetries: number;
  maxToolRounds: number;
  historyMessages: number;
  stream: boolean;
  messageTool: boolean;
}

interface AgentMetrics {
  requests: Counter<'outcome'>;
  retries: Counter;
  superseded: Counter;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[] = []): Counter<L> {
  // A restarted plugin (SIGHUP reload) finds its counters already registered.
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * The openai agent: one conversation per session (history from the store), the model called with
 * the `message` tool until it answers, steering input taken after each tool round and before the
 * final answer (an answer superseded by new input is not sent: it stays in the conversation marked
 * "(not delivered)" and the model is called again).
 */
export function createOpenAIAgent(context: PluginContext<OpenAIConfig>): AgentInstance {
  const config = context.config;
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseUrl,
    // Retries are ours (withRetries): the SDK's backoff sleep ignores the abort signal.
    maxRetries: 0,
    timeout: config.requestTimeoutMs,
    logLevel: 'off',
  });
  const metrics: AgentMetrics = {
    requests: counter(context.metrics, 'switchboard_openai_requests_total', 'Model requests by outcome', ['outcome']),
    retries: counter(context.metrics, 'switchboard_openai_retries_total', 'Model requests retried (429, 5xx, timeout)'),
    superseded: counter(
      context.metrics,
      'switchboard_openai_superseded_answers_total',
      'Answers not sent because steering input arrived while they were written',
    ),
  };
  const policy: RetryPolicy = { maxRetries: config.maxRetries, baseDelayMs: 500, maxDelayMs: 8000 };
  const system = [config.systemPrompt, gatewayInstructions(config.messageTool)].filter(Boolean).join('\n\n');
  const history = context.store.history;

  async function ask(turn: Turn, messages: ChatCompletionMessageParam[], withTools: boolean): Promise<ModelAnswer> {
    try {
      const answer = await withRetries(
        policy,
        turn.signal,
        () =>
          complete(
            client,
            {
              model: config.model,
              messages,
              ...(withTools ? { tools: [messageTool] } : {}),
              ...(config.temperature !== null ? { temperature: config.temperature } : {}),
              maxTokens: config.maxTokens,
              stream: config.stream,
              idleTimeoutMs: config.requestTimeoutMs,
            },
            turn.signal,
          ),
        (error, attempt, delayMs) => {
          metrics.retries.inc();
          turn.log.warn({ err: error, attempt, delayMs: Math.round(delayMs) }, 'model request failed, retrying');
        },
      );
      metrics.requests.inc({ outcome: 'ok' });
      return answer;
    } catch (error) {
      metrics.requests.inc({ outcome: turn.signal.aborted ? 'aborted' : 'error' });
      if (turn.signal.aborted) throw turn.signal.reason;
      // The runner logs this with the turnId and sends the chat a short apology.
      throw new Error(`model request failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  return {
    kind: 'agent',
    acceptsSteering: true,
    async run(turn) {
      const { signal, sessionKey } = turn;
      // historyMessages 0: no history at all (a store may read a limit of 0 as "no limit").
      const past = config.historyMessages > 0 ? await history.recent(sessionKey, config.historyMessages) : [];
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: system }, ...fromHistory(past)];
      const addInput = async (inbounds: readonly Inbound[], note?: string) => {
        inbounds.forEach((inbound, index) =>
          messages.push({
            role: 'user',
            content: index === 0 && note ? `${note}\n${userContent(inbound)}` : userContent(inbound),
          }),
        );
        await history.append(sessionKey, inbounds.map(userEntry));
      };
      await addInput(turn.messages);

      let toolRounds = 0;
      for (;;) {
        signal.throwIfAborted();
        const withTools = config.messageTool && toolRounds < config.maxToolRounds;
        const answer = await ask(turn, messages, withTools);
        signal.throwIfAborted();

        if (withTools && answer.toolCalls.length > 0) {
          messages.push({
            role: 'assistant',
            content: answer.content || null,
            tool_calls: answer.toolCalls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: call.arguments },
            })),
          });
          for (const call of answer.toolCalls) {
            signal.throwIfAborted();
            const outcome =
              call.name === messageTool.function.name
                ? await runMessageTool(turn, context.gateway, call.arguments)
                : { result: `error: there is no tool "${call.name}"` };
            if (outcome.sent)
              await history.append(sessionKey, [
                assistantEntry(outcome.sent.text, outcome.sent.toOrigin ? undefined : outcome.sent.target),
              ]);
            messages.push({ role: 'tool', tool_call_id: call.id, content: outcome.result });
          }
          toolRounds++;
          // A safe point: input that arrived during the tool round joins the conversation now.
          const steering = turn.drainSteering();
          if (steering.length > 0) await addInput(steering);
          continue;
        }

        const steering = turn.drainSteering();
        if (steering.length > 0) {
          // The answer was written before the new input was seen: it is superseded, not sent.
          const draft = answer.content.trim();
          if (draft !== '' && draft !== NO_REPLY) {
            metrics.superseded.inc();
            turn.log.info({ superseded: draft.length, steering: steering.length }, 'answer superseded by new messages');
            messages.push({ role: 'assistant', content: `${draft}\n${notDelivered}` });
            await history.append(sessionKey, [assistantEntry(`${draft}\n${notDelivered}`, undefined)]);
          }
          await addInput(steering);
          continue;
        }

        const outcome = await turn.reply(answer.content);
        if (outcome.status === 'sent') await history.append(sessionKey, [assistantEntry(answer.content, undefined)]);
        return;
      }
    },
  };
}
