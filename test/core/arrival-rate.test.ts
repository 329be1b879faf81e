import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArrivalRate } from '../../src/core/arrival-rate.js';

describe('ArrivalRate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('averages the arrivals of the last minute, and stops its interval after a quiet minute', () => {
    vi.useFakeTimers();
    const rate = new ArrivalRate();
    expect(rate.perSecond()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    for (let i = 0; i < 120; i++) rate.count();
    expect(rate.perSecond()).toBe(2);
    vi.advanceTimersByTime(30_000);
    for (let i = 0; i < 60; i++) rate.count();
    expect(rate.perSecond()).toBe(3);
    // The first 120 leave the minute 59 ticks after their own.
    vi.advanceTimersByTime(29_000);
    expect(rate.perSecond()).toBe(3);
    vi.advanceTimersByTime(1_000);
    expect(rate.perSecond()).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(30_000);
    expect(rate.perSecond()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    rate.count();
    expect(vi.getTimerCount()).toBe(1);
    expect(rate.perSecond()).toBeCloseTo(1 / 60);
    rate.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
