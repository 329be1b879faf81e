import { Telegraf } from 'telegraf';

/**
 * The baseline of bench/telegram: a bare telegraf echo bot (long polling, like the plugin, against
 * the same apiRoot) and nothing behind it: every text message is answered `echo: <text>` with
 * `ctx.reply` (one sendMessage). Resolves once polling started (getMe and deleteWebhook answered).
 * Note: telegraf's polling loop handles a getUpdates batch concurrently and polls again only when
 * every handler of the batch finished.
 */
export async function startBareEchoBot(apiRoot: string, token: string): Promise<Telegraf> {
  const bot = new Telegraf(token, { telegram: { apiRoot } });
  bot.on('message', async (ctx) => {
    if (!('text' in ctx.message)) return;
    await ctx.reply(`echo: ${ctx.message.text}`);
  });
  bot.catch((error) => console.error('[bare-telegram] handler failed', error));
  await new Promise<void>((resolve, reject) => {
    bot.launch({ allowedUpdates: ['message'] }, resolve).catch(reject);
  });
  return bot;
}
