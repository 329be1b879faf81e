import { setTimeout as sleep } from 'node:timers/promises';
import { definePlugin } from '../../src/plugins/api.js';

/** Config of the echo agent. */
export interface EchoConfig {
  prefix: string;
  delayMs: number;
}

/** The embedded default agent: answers every message with `<prefix><text>` after `delayMs`. */
export default definePlugin<EchoConfig, 'agent'>({
  name: 'echo',
  kind: 'agent',
  description: 'Replies with the message text, prefixed',
  schema: {
    prefix: { doc: 'Text put before the echoed message.', format: String, default: 'echo: ' },
    delayMs: { doc: 'Delay before answering, in ms (simulates a slow agent).', format: 'nat', default: 0 },
  },
  create(context) {
    const { prefix, delayMs } = context.config;
    return {
      kind: 'agent',
      async run(turn) {
        if (delayMs > 0) await sleep(delayMs, undefined, { signal: turn.signal });
        for (const message of turn.messages) await turn.reply(`${prefix}${message.text}`);
      },
    };
  },
});
