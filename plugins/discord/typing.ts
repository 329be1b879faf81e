/**
 * Keeps a "typing…" indicator up until `signal` aborts: Discord shows it for about 10 s per call,
 * so it is renewed every `intervalMs` (8 s by default). A failed call is reported and the loop goes
 * on: typing is a courtesy, never a reason to fail a turn.
 */
export function keepTyping(
  sendTyping: () => Promise<unknown>,
  intervalMs: number,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): void {
  if (signal.aborted) return;
  const fire = () => {
    sendTyping().catch(onError);
  };
  fire();
  const timer = setInterval(fire, intervalMs);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
