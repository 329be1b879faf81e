import { describe, expect, it } from 'vitest';
import { ConversationPacer, toSendError } from '../../../plugins/slack/send.js';
import { PermanentError, TransientError } from '../../../src/core/errors.js';

describe('send error mapping', () => {
  it('maps a rate limit to a TransientError with Retry-After in ms', () => {
    const error = toSendError({ code: 'slack_webapi_rate_limited_error', retryAfter: 3, message: 'rate limited' });
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(3000);
  });

  it.each(['channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth'])('maps %s to a PermanentError', (code) => {
    const error = toSendError({ code: 'slack_webapi_platform_error', data: { ok: false, error: code } });
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe(code);
  });

  it('maps 5xx, internal_error and network failures to TransientError, 4xx HTTP to PermanentError', () => {
    expect(toSendError({ code: 'slack_webapi_http_error', statusCode: 503 })).toBeInstanceOf(TransientError);
    expect(toSendError({ code: 'slack_webapi_http_error', statusCode: 400 })).toBeInstanceOf(PermanentError);
    expect(toSendError({ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } })).toBeInstanceOf(TransientError);
    expect(toSendError({ code: 'slack_webapi_request_error', message: 'ECONNRESET' })).toBeInstanceOf(TransientError);
    expect(toSendError(new Error('socket hang up'))).toBeInstanceOf(TransientError);
  });
});

describe('ConversationPacer', () => {
  it('spaces posts to one conversation by the interval and leaves other conversations alone', () => {
    const pacer = new ConversationPacer(1000);
    // A burst of three to C1 at t=0 is queued at 0, 1000, 2000; C2 is not held up by it.
    expect([0, 0, 0].map((now) => pacer.reserve('C1', now))).toEqual([0, 1000, 2000]);
    expect(pacer.reserve('C2', 0)).toBe(0);
    // After a quiet period the next post goes at once.
    expect(pacer.reserve('C1', 10_000)).toBe(0);
    expect(pacer.reserve('C1', 10_200)).toBe(800);
  });

  it('does nothing with interval 0', () => {
    const pacer = new ConversationPacer(0);
    expect([pacer.reserve('C1', 0), pacer.reserve('C1', 0)]).toEqual([0, 0]);
  });
});
