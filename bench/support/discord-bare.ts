import { Client, DefaultRestOptions, GatewayIntentBits, Partials } from 'discord.js';

/**
 * The baseline of bench/discord: a bare discord.js echo bot with the Discord plugin's client options
 * (intents, partials, REST base, no REST retries) and nothing behind it: `messageCreate` replies
 * `echo: <content>` in the same channel. Resolves once READY was processed.
 */
export async function startBareEchoBot(apiBase: string, token: string): Promise<Client> {
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    partials: [Partials.Channel],
    rest: { api: apiBase, retries: 0 },
  });
  client.on('messageCreate', (message) => {
    if (message.author.bot || !message.channel.isSendable()) return;
    message.channel.send(`echo: ${message.content}`).catch((error: unknown) => {
      console.error('[bare-discord] send failed', error);
    });
  });
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  await client.login(token);
  await ready;
  return client;
}

/**
 * Sets the REST requests/s every discord.js client created afterwards allows itself (discord.js
 * default: 50, Discord's global limit), by changing the library's shared defaults: for a pass that
 * measures the bots rather than that limiter.
 */
export function setGlobalRequestsPerSecond(perSecond: number): void {
  (DefaultRestOptions as { globalRequestsPerSecond: number }).globalRequestsPerSecond = perSecond;
}
