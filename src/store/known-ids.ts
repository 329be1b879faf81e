/**
 * The platform ids one channel has journaled, each with the generation it was last written in: a
 * hash set split into 64 shards by the top bits of the id's hash, each shard an open-addressing
 * table (linear probing, at most half full).
 *
 * Why not a `Map<string, number>`: accepting a message is one insert of a new id, and a burst of
 * 100,000 into a growing `Map` took a fifth of the in-memory pipeline's time. Most of it was not the
 * inserts but growing: every doubling allocates one table the size of all ids, fresh memory whose
 * first touch is a page fault (10 us each on our VMs). Shards grow one small table at a time, from
 * memory the allocator reuses. Within a shard a probe reads 32-bit hashes (a typed array the GC
 * does not trace, each hash beside its generation), a key string is compared only when its hash
 * matches, and growing re-slots the stored hashes without rehashing a string.
 *
 * The hash is FNV-1a over the id's UTF-16 code units, started from a random seed per set, so ids
 * chosen by a client cannot be crafted to collide on every process.
 */
export class KnownIds {
  private readonly shards: IdShard[] = [];
  private readonly seed = (Math.random() * 0x100000000) | 0;

  constructor(slotsPerShard = 16) {
    for (let i = 0; i < shardCount; i++) this.shards.push(new IdShard(slotsPerShard));
  }

  get size(): number {
    let size = 0;
    for (const shard of this.shards) size += shard.count;
    return size;
  }

  /** Records `id` as written in `generation`; true if it was not known before. */
  add(id: string, generation: number): boolean {
    let hash = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
    if (hash === 0) hash = 1;
    return this.shards[hash >>> shardShift]!.add(id, hash, generation);
  }

  /** Forgets every id whose generation `drop` accepts; returns how many were forgotten. */
  forgetWhere(drop: (generation: number) => boolean): number {
    let forgotten = 0;
    for (const shard of this.shards) forgotten += shard.forgetWhere(drop);
    return forgotten;
  }
}

const shardShift = 26;
const shardCount = 2 ** (32 - shardShift);

/**
 * One shard. Slot i is `cells[2i]` (the id's hash, never 0; 0 marks an empty slot), `cells[2i + 1]`
 * (its generation) and `keys[i]`: a hash and its generation share a cache line.
 */
class IdShard {
  private cells: Int32Array;
  private keys: Array<string | undefined>;
  count = 0;

  constructor(slots: number) {
    this.cells = new Int32Array(slots * 2);
    this.keys = new Array<string | undefined>(slots).fill(undefined);
  }

  add(id: string, hash: number, generation: number): boolean {
    const cells = this.cells;
    const mask = this.keys.length - 1;
    let slot = hash & mask;
    for (let seen = cells[slot * 2]!; seen !== 0; seen = cells[slot * 2]!) {
      if (seen === hash && this.keys[slot] === id) {
        cells[slot * 2 + 1] = generation;
        return false;
      }
      slot = (slot + 1) & mask;
    }
    cells[slot * 2] = hash;
    cells[slot * 2 + 1] = generation;
    this.keys[slot] = id;
    // Small shards grow fourfold: half the re-slotting of a burst into a fresh set, for a few KB.
    const slots = this.keys.length;
    if (++this.count * 2 > slots) this.resize(slots * (slots < 4096 ? 4 : 2));
    return true;
  }

  forgetWhere(drop: (generation: number) => boolean): number {
    const cells = this.cells;
    let forgotten = 0;
    for (let slot = 0; slot < this.keys.length; slot++) {
      if (cells[slot * 2] !== 0 && drop(cells[slot * 2 + 1]!)) {
        cells[slot * 2] = 0; // resize skips it (the table is rebuilt: no tombstones to probe past)
        forgotten++;
      }
    }
    if (forgotten > 0) this.resize(slotsFor(this.count - forgotten));
    return forgotten;
  }

  /** Re-slots the ids into `slots` slots by their stored hashes (no string is rehashed). */
  private resize(slots: number): void {
    const oldCells = this.cells;
    const oldKeys = this.keys;
    const cells = new Int32Array(slots * 2);
    const keys = new Array<string | undefined>(slots).fill(undefined);
    const mask = slots - 1;
    let count = 0;
    for (let old = 0; old < oldKeys.length; old++) {
      const hash = oldCells[old * 2]!;
      if (hash === 0) continue;
      let slot = hash & mask;
      while (cells[slot * 2] !== 0) slot = (slot + 1) & mask;
      cells[slot * 2] = hash;
      cells[slot * 2 + 1] = oldCells[old * 2 + 1]!;
      keys[slot] = oldKeys[old];
      count++;
    }
    this.cells = cells;
    this.keys = keys;
    this.count = count;
  }
}

/** A power of two with room for `ids` at most half full (at least 16 slots). */
function slotsFor(ids: number): number {
  let slots = 16;
  while (slots < ids * 2) slots *= 2;
  return slots;
}
