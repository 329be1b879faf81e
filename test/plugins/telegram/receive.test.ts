import pino from 'pino';
import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import type { TgUpdate } from '../../../plugins/telegram/normalize.js';
import { pollUpdates, type UpdateOutcome } from '../../../plugins/telegram/receive.js';
import { FakeTelegram } from '../../fakes/telegram/server.js';
import { waitFor } from '../../support/wait.js';

/** The polling loop against the fake Bot API: the offset only moves past updates that were taken. */

let fake: FakeTelegram | undefined;
const log = pino({ level: 'silent' });

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function run(handle: (update: TgUpdate) => Promise<UpdateOutcome>) {
  const controller = new AbortController();
  const telegram = new Telegram(fake!.token, { apiRoot: fake!.apiRoot });
  const done = pollUpdates({ telegram, handle, log, timeoutSec: 5, signal: controller.signal });
  return { done, stop: () => controller.abort() };
}

const textOf = (update: TgUpdate) => update.message?.text;

describe('telegram polling loop', () => {
  it('stops at a closed update without confirming it, and the next run gets it and the rest once', async () => {
    fake = await FakeTelegram.start();
    for (const text of ['one', 'two', 'three']) fake.pushMessage({ text });
    const first: string[] = [];
    await run(async (update) => {
      first.push(textOf(update)!);
      return first.length === 2 ? 'closed' : 'ack';
    }).done;
    expect(first).toEqual(['one', 'two']);
    expect(fake.pending.map((u) => (u.message as { text: string }).text)).toEqual(['two', 'three']);

    const second: string[] = [];
    const loop = run(async (update) => {
      second.push(textOf(update)!);
      return 'ack';
    });
    await waitFor(() => second.length === 2, 'two updates');
    fake.pushMessage({ text: 'four' });
    await waitFor(() => second.length === 3, 'the new update');
    loop.stop();
    await loop.done;
    expect(second).toEqual(['two', 'three', 'four']);
    // Stopping confirms what was taken: nothing is left for a next run.
    expect(fake.pending).toHaveLength(0);
  });

  it('fetches an update again when taking it failed', async () => {
    fake = await FakeTelegram.start();
    fake.pushMessage({ text: 'flaky' });
    const seen: string[] = [];
    const loop = run(async (update) => {
      seen.push(textOf(update)!);
      if (seen.length === 1) throw new Error('journal unavailable');
      return 'ack';
    });
    await waitFor(() => seen.length === 2, 'a second delivery');
    loop.stop();
    await loop.done;
    expect(seen).toEqual(['flaky', 'flaky']);
    expect(fake.pending).toHaveLength(0);
  });

  it('aborts a held long poll at once on stop, and the fake forgets it', async () => {
    fake = await FakeTelegram.start();
    const loop = run(async () => 'ack');
    await waitFor(() => fake!.polling, 'a held poll');
    loop.stop();
    await loop.done;
    await waitFor(() => !fake!.polling, 'the poll released');
  });
});
