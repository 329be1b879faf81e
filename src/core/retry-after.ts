/**
 * An HTTP `Retry-After` value in ms: delay-seconds or an HTTP date (RFC 9110); undefined when
 * absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (!header || header.trim() === '') return undefined;
  const seconds = Number.parseFloat(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
