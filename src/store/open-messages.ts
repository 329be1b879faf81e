import type { JournaledMessage } from './types.js';

const chunkBits = 10;
const chunkSize = 1 << chunkBits;
const chunkMask = chunkSize - 1;

/**
 * The memory journal's unfinished messages by seq. Seqs are consecutive, so slots in fixed chunks
 * of 1,024 rather than a Map to grow and hash, or one array as long as the backlog (reallocated
 * and copied as it grows, each time into fresh memory). A chunk is dropped once it is full and all
 * its messages finished, oldest first: an old message still open (a long queue, a long turn) holds
 * the chunks after it, 8 bytes a slot, until it finishes.
 */
export class OpenMessages {
  private readonly chunks: Array<Array<JournaledMessage | undefined>> = [];
  /** Per chunk: how many of its messages are unfinished. */
  private readonly unfinished: number[] = [];
  /** Seq of the first slot of `chunks[0]`. */
  private firstSeq = 1;
  /** Seq the next message must have. */
  private nextSeq = 1;

  /** Adds the message with the next seq. */
  add(message: JournaledMessage): void {
    if (message.seq !== this.nextSeq) throw new RangeError(`expected seq ${this.nextSeq}, got ${message.seq}`);
    const index = this.nextSeq++ - this.firstSeq;
    const chunk = index >> chunkBits;
    if (chunk === this.chunks.length) {
      this.chunks.push(new Array<JournaledMessage | undefined>(chunkSize));
      this.unfinished.push(0);
    }
    this.chunks[chunk]![index & chunkMask] = message;
    this.unfinished[chunk]!++;
  }

  /** Removes a message (finished); an unknown or already removed seq is ignored. */
  remove(seq: number): void {
    const index = seq - this.firstSeq;
    if (index < 0 || seq >= this.nextSeq) return;
    const chunk = index >> chunkBits;
    const slots = this.chunks[chunk]!;
    if (slots[index & chunkMask] === undefined) return;
    slots[index & chunkMask] = undefined;
    if (--this.unfinished[chunk]! === 0 && chunk === 0) this.dropFinishedChunks();
  }

  /** Chunks held (memory: 8 KB each). */
  get chunksHeld(): number {
    return this.chunks.length;
  }

  /** The unfinished messages in seq order. */
  *values(): IterableIterator<JournaledMessage> {
    for (const slots of this.chunks) {
      for (const message of slots) if (message !== undefined) yield message;
    }
  }

  /** Drops the leading chunks that are full and finished. */
  private dropFinishedChunks(): void {
    let dropped = 0;
    while (dropped < this.chunks.length && this.unfinished[dropped] === 0) {
      if (this.firstSeq + (dropped + 1) * chunkSize > this.nextSeq) break; // still being filled
      dropped++;
    }
    this.chunks.splice(0, dropped);
    this.unfinished.splice(0, dropped);
    this.firstSeq += dropped * chunkSize;
  }
}
