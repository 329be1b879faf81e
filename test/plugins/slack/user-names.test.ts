import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { UserNames } from '../../../plugins/slack/user-names.js';
import { FakeSlack, world } from '../../fakes/slack/server.js';
import { waitFor } from '../../support/wait.js';

/** Display names through the real Web API client against the fake Slack's users.info. */

let fake: FakeSlack | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function names(options: Partial<ConstructorParameters<typeof UserNames>[1]> = {}) {
  fake = await FakeSlack.start();
  const client = new webApi.WebClient('xoxb-fake', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  let now = 1_000;
  const cache = new UserNames(client, { ttlMs: 60_000, failureTtlMs: 5_000, waitMs: 1_000, maxEntries: 2, now: () => now, ...options });
  return { fake, cache, advance: (ms: number) => (now += ms) };
}

describe('slack user names', () => {
  it('prefers the display name, then the real name, and asks once per user while cached', async () => {
    const { fake, cache, advance } = await names();
    const [a1, a2, b] = await Promise.all([cache.nameOf(world.alice), cache.nameOf(world.alice), cache.nameOf(world.bob)]);
    expect([a1, a2, b]).toEqual(['alice.l', 'alice.l', 'Bob Builder']);
    expect(await cache.nameOf(world.alice)).toBe('alice.l');
    expect(fake.usersInfoCalls.sort()).toEqual([world.alice, world.bob]);
    advance(60_001);
    fake.users.get(world.alice)!.displayName = 'alice.renamed';
    expect(await cache.nameOf(world.alice)).toBe('alice.renamed');
    expect(fake.usersInfoCalls.filter((id) => id === world.alice)).toHaveLength(2);
  });

  it('gives no name for an unknown user and retries only after the failure time', async () => {
    const { fake, cache, advance } = await names();
    expect(await cache.nameOf('U0NOBODY')).toBeUndefined();
    expect(await cache.nameOf('U0NOBODY')).toBeUndefined();
    expect(fake.usersInfoCalls).toEqual(['U0NOBODY']);
    advance(5_001);
    fake.users.set('U0NOBODY', { name: 'nobody', realName: 'No Body', displayName: '' });
    expect(await cache.nameOf('U0NOBODY')).toBe('No Body');
  });

  it('does not hold a message for a slow lookup, and uses the name once it arrived', async () => {
    const { fake, cache } = await names({ waitMs: 50 });
    fake.usersInfoDelayMs = 1_500;
    // Answers (without a name) long before Slack does.
    const began = performance.now();
    expect(await cache.nameOf(world.alice)).toBeUndefined();
    expect(performance.now() - began).toBeLessThan(1_000);
    let name: string | undefined;
    await waitFor(async () => (name = await cache.nameOf(world.alice)) !== undefined, 'the name', 5_000);
    expect(name).toBe('alice.l');
    expect(fake.usersInfoCalls).toEqual([world.alice]);
  });

  it('keeps at most maxEntries names, dropping the oldest', async () => {
    const { fake, cache } = await names();
    fake.users.set('U0CAROL', { name: 'carol', realName: 'Carol', displayName: '' });
    await cache.nameOf(world.alice);
    await cache.nameOf(world.bob);
    await cache.nameOf('U0CAROL');
    await cache.nameOf(world.bob);
    await cache.nameOf(world.alice);
    expect(fake.usersInfoCalls).toEqual([world.alice, world.bob, 'U0CAROL', world.alice]);
  });
});
