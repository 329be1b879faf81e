import { describe, expect, it } from 'vitest';
import { SendThrottle } from '../../../plugins/telegram/throttle.js';

const limits = { perChatPerSecond: 1, perGroupPerMinute: 20, globalPerSecond: 30 };

describe('telegram send throttle', () => {
  it('spaces sends to one chat a second apart and lets other chats go', () => {
    const throttle = new SendThrottle(limits);
    expect(throttle.reserve('1', false, 0)).toBe(0);
    expect(throttle.reserve('1', false, 400)).toBe(600);
    expect(throttle.reserve('2', false, 400)).toBe(0);
    expect(throttle.reserve('1', false, 1000)).toBe(0);
  });

  it('lets a group have 20 messages in any minute', () => {
    const throttle = new SendThrottle({ ...limits, perChatPerSecond: 100 });
    for (let n = 0; n < 20; n++) expect(throttle.reserve('-5', true, n * 10)).toBe(0);
    expect(throttle.reserve('-5', true, 500)).toBe(60_000 - 500);
    expect(throttle.reserve('-5', true, 60_000)).toBe(0);
  });

  it('holds every chat once the global limit is reached within a second', () => {
    const throttle = new SendThrottle(limits);
    for (let n = 0; n < 30; n++) expect(throttle.reserve(String(n), false, n)).toBe(0);
    expect(throttle.reserve('new', false, 100)).toBe(900);
    expect(throttle.reserve('new', false, 1000)).toBe(0);
  });

  it('treats a limit of 0 as no limit', () => {
    const throttle = new SendThrottle({ perChatPerSecond: 0, perGroupPerMinute: 0, globalPerSecond: 0 });
    for (let n = 0; n < 100; n++) expect(throttle.reserve('1', true, 0)).toBe(0);
  });
});
