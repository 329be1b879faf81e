/**
 * The platform ids one channel has journaled, each with the generation it was last written in: a
 * hash set split into 64 shards by the top bits of the id's hash, each shard an open-addressing
 * table (linear probing, at most half full) over parallel arrays.
 *
 * Why not a `Map<string, number>`: accepting a message is one insert of a new id, and a burst of
 * 100,000 into a growing `Map` took a fifth of the in-memory pipeline's time. Most of it was not the
 * inserts but growing: every doubling allocates one table the size of all ids, fresh memory whose
 * first touch is a page fault (10 us each on our VMs). Shards grow one small table at a time, from
 * memory the allocator reuses. Within a shard a probe reads 32-bit hashes (a typed array the GC does
 * not trace), a key string is compared only when its hash matches, and growing re-slots the stored
 * hashes without rehashing a string.
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

/** One shard: slots hold an id's hash (never 0; 0 is an empty slot), generation and string. */
class IdShard {
  private hashes: Int32Array;
  private generations: Int32Array;
  private keys: Array<string | undefined>;
  count = 0;

  constructor(slots: number) {
    this.hashes = new Int32Array(slots);
    this.generations = new Int32Array(slots);
    this.keys = new Array<string | undefined>(slots).fill(undefined);
  }

  add(id: string, hash: number, generation: number): boolean {
    const hashes = this.hashes;
    const mask = hashes.length - 1;
    let slot = hash & mask;
    for (let seen = hashes[slot]!; seen !== 0; seen = hashes[slot]!) {
      if (seen === hash && this.keys[slot] === id) {
        this.generations[slot] = generation;
        return false;
      }
      slot = (slot + 1) & mask;
    }
    hashes[slot] = hash;
    this.keys[slot] = id;
    this.generations[slot] = generation;
    // Small shards grow fourfold: half the re-slotting of a burst into a fresh set, for a few KB.
    if (++this.count * 2 > hashes.length) this.resize(hashes.length * (hashes.length < 4096 ? 4 : 2));
    return true;
  }

  forgetWhere(drop: (generation: number) => boolean): number {
    let forgotten = 0;
    for (let slot = 0; slot < this.hashes.length; slot++) {
      if (this.hashes[slot] !== 0 && drop(this.generations[slot]!)) {
        this.hashes[slot] = 0; // resize skips it (the table is rebuilt: no tombstones to probe past)
        forgotten++;
      }
    }
    if (forgotten > 0) this.resize(slotsFor(this.count - forgotten));
    return forgotten;
  }

  /** Re-slots the ids into `slots` slots by their stored hashes (no string is rehashed). */
  private resize(slots: number): void {
    const oldHashes = this.hashes;
    const oldGenerations = this.generations;
    const oldKeys = this.keys;
    const hashes = new Int32Array(slots);
    const generations = new Int32Array(slots);
    const keys = new Array<string | undefined>(slots).fill(undefined);
    const mask = slots - 1;
    let count = 0;
    for (let old = 0; old < oldHashes.length; old++) {
      const hash = oldHashes[old]!;
      if (hash === 0) continue;
      let slot = hash & mask;
      while (hashes[slot] !== 0) slot = (slot + 1) & mask;
      hashes[slot] = hash;
      generations[slot] = oldGenerations[old]!;
      keys[slot] = oldKeys[old];
      count++;
    }
    this.hashes = hashes;
    this.generations = generations;
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
