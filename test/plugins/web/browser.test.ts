import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebChannelInfo } from '../../../plugins/web/index.js';
import type { Daemon } from '../../../src/daemon.js';
import { launchChromium, screenshot } from '../../support/browser.js';
import { startTestDaemon } from '../../support/daemon.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);
afterAll(() => browser?.close());

async function webDaemon(delayMs: number): Promise<{ daemon: Daemon; url: string }> {
  const daemon = await startTestDaemon({
    config: { plugins: { echo: { enabled: true, delayMs }, web: { enabled: true, port: 0 } } },
  });
  return { daemon, url: (daemon.plugin('web') as unknown as WebChannelInfo).url };
}

describe('chat page in Chromium', () => {
  let daemon: Daemon;
  let url: string;
  let context: BrowserContext;
  beforeAll(async () => {
    ({ daemon, url } = await webDaemon(0));
    context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  });
  afterAll(async () => {
    await context.close();
    await daemon.stop();
  });

  it('sends with Enter (Shift+Enter is a new line) and shows the echo', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#input').click();
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second **line**');
    await page.keyboard.press('Enter');
    const reply = page.locator('#messages li.reply');
    await reply.first().waitFor();
    expect(await page.locator('#messages li.user').first().innerText()).toBe('first line\nsecond **line**');
    expect(await reply.first().innerText()).toBe('echo: first line\nsecond line');
    expect(await reply.first().locator('strong').innerText()).toBe('line');
    expect(await page.locator('#input').inputValue()).toBe('');
    await screenshot(page, 'web-chat-echo');
    await page.close();
  });

  it('gives two tabs two chats, each with its own replies', async () => {
    const [a, b] = [await context.newPage(), await context.newPage()];
    await Promise.all([a.goto(url), b.goto(url)]);
    const titleA = await a.locator('#chat-title').innerText();
    const titleB = await b.locator('#chat-title').innerText();
    expect(titleA).not.toBe(titleB);
    await Promise.all([
      (async () => {
        for (const text of ['a1', 'a2', 'a3']) {
          await a.locator('#input').fill(text);
          await a.keyboard.press('Enter');
        }
      })(),
      (async () => {
        for (const text of ['b1', 'b2']) {
          await b.locator('#input').fill(text);
          await b.keyboard.press('Enter');
        }
      })(),
    ]);
    await a.locator('#messages li.reply').nth(2).waitFor();
    await b.locator('#messages li.reply').nth(1).waitFor();
    expect(await a.locator('#messages li.reply').allInnerTexts()).toEqual(['echo: a1', 'echo: a2', 'echo: a3']);
    expect(await b.locator('#messages li.reply').allInnerTexts()).toEqual(['echo: b1', 'echo: b2']);
    // Both chats are in the conversation list.
    await b.reload();
    expect(await b.locator('#chats li').allInnerTexts()).toEqual(expect.arrayContaining([titleA, titleB]));
    await screenshot(a, 'web-chat-tab-a');
    await a.close();
    await b.close();
  });

  it('shows agent text as text: an <img onerror> reply runs nothing', async () => {
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url);
    const attack = '<img src=x onerror="window.pwned = 1; alert(1)"> and <script>window.pwned = 2</script>';
    await page.locator('#input').fill(attack);
    await page.keyboard.press('Enter');
    const reply = page.locator('#messages li.reply').first();
    await reply.waitFor();
    expect(await reply.innerText()).toBe(`echo: ${attack}`);
    expect(await page.locator('#messages img, #messages script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await screenshot(page, 'web-chat-xss');
    await page.close();
  });

  it('is usable at phone width', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 700 } });
    const page = await phone.newPage();
    await page.goto(url);
    const box = await page.locator('#composer').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(375);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.locator('#input').fill('from a phone');
    await page.keyboard.press('Enter');
    await page.locator('#messages li.reply').first().waitFor();
    await screenshot(page, 'web-chat-phone');
    await phone.close();
  });
});

describe('slow turns in Chromium', () => {
  let daemon: Daemon;
  let url: string;
  let context: BrowserContext;
  beforeAll(async () => {
    ({ daemon, url } = await webDaemon(60_000));
    context = await browser.newContext();
  });
  afterAll(async () => {
    await context.close();
    await daemon.stop();
  });

  it('shows the working state and the status page shows the running turn; Stop ends it', async () => {
    const page = await context.newPage();
    await page.goto(url);
    const chat = await page.locator('#chat-title').innerText();
    await page.locator('#input').fill('take your time');
    await page.keyboard.press('Enter');
    await page.locator('body.working').waitFor();
    expect(await page.locator('#status').innerText()).toBe('working…');
    expect(await page.locator('#stop').isEnabled()).toBe(true);

    const status = await context.newPage();
    await status.goto(`${daemon.adminUrl}/`);
    expect(await status.locator('#turns-running').innerText()).toBe('1');
    expect(await status.locator('#busy').innerText()).toContain(chat);
    expect(await status.locator('#plugins').innerText()).toMatch(/web\s+channel\s+running/);
    await screenshot(status, 'status-page-running-turn');

    await page.locator('#stop').click();
    await page.locator('body:not(.working)').waitFor();
    await page.locator('#messages li.reply').first().waitFor();
    expect(await page.locator('#messages li.reply').allInnerTexts()).toEqual(['Stopped.']);
    // The user's /stop shows before the answer to it.
    expect(await page.locator('#messages li').allInnerTexts()).toEqual(['take your time', '/stop', 'Stopped.']);
    expect(await page.locator('#stop').isEnabled()).toBe(false);
    await screenshot(page, 'web-chat-stopped');
    // The status page refreshes itself: the turn is gone.
    await status.waitForFunction(() => document.getElementById('turns-running')?.textContent === '0', undefined, {
      timeout: 10_000,
    });
    await page.close();
    await status.close();
  });
});
