/**
 * Messages per second over the last minute (the status page), counted without reading the clock per
 * message: an arrival only increments a number, and a one-second interval moves that count into a
 * ring of the last 60 seconds. The interval runs only while the last minute had arrivals, and never
 * keeps the process alive.
 */
export class ArrivalRate {
  private current = 0;
  /** The last 59 whole ticks; with the one under way, a minute. */
  private readonly seconds = new Array<number>(59).fill(0);
  private slot = 0;
  /** Sum of `seconds`. */
  private minute = 0;
  private timer: NodeJS.Timeout | undefined;

  /** One message arrived. */
  count(): void {
    if (this.current++ === 0 && this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), 1000).unref();
    }
  }

  /** Arrivals per second over the last minute (59 whole seconds and the one under way). */
  perSecond(): number {
    return (this.minute + this.current) / 60;
  }

  /** Stops the interval (shutdown). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.minute += this.current - this.seconds[this.slot]!;
    this.seconds[this.slot] = this.current;
    this.current = 0;
    this.slot = (this.slot + 1) % this.seconds.length;
    if (this.minute === 0) this.close();
  }
}
