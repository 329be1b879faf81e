/**
 * A first-in first-out queue over an array read from a moving head: `Array.prototype.shift` moves
 * the whole backlog (or trims the array's start, which the GC cannot always allow) on every take.
 * The consumed prefix is dropped when the queue empties, or once it is most of the array.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  /** Everything queued, oldest first; the queue is left empty. */
  takeAll(): T[] {
    const taken = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return taken;
  }

  /** Puts `items` before everything queued, in their order. */
  pushFront(items: readonly T[]): void {
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
  }
}
