/**
 * find's index: every token's seed in one blob sealed under the master key, so a lookup over
 * 100,000 tokens opens one AES-GCM blob instead of 100,000. Unsealing each seed alone costs about
 * 6 µs in node:crypto, 0.6 s of find's 1 s budget on our 2-core machine (tools/src/bench/find.bench.ts).
 *
 * Why an entry can be trusted:
 * - A serial keeps its seed for as long as its row exists: no update changes it (store.ts TokenPatch).
 * - It holds no pending token, and deleting any other token bumps the index's epoch and clears the
 *   blob in the delete's own transaction, so a deleted seed leaves the index with its row, and an
 *   index assembled from rows read before such a delete is refused when stored
 *   (TokenStore.putFindIndex).
 * - A token added after the index was stored is only missing from it: find unseals the missing
 *   seeds one by one, then stores the index again with them. An import adds its seeds at once.
 * - find checks its answer against the token's own sealed seed before naming it (find.ts).
 *
 * The blob is sealed as each seed is (seal.ts, AES-256-GCM), with an AAD of its own, so it cannot
 * be read without the key nor swapped for a seed. It is at rest exactly what the seeds are.
 *
 * Plaintext layout: the format byte 1, then for each token its serial's length (1 byte), the serial
 * (ASCII: SERIAL_PATTERN), the seed's length (1 byte) and the seed.
 */
import { seal, unseal } from './seal.ts';
import type { TokenStore } from './store.ts';

const AAD = Buffer.from('hwtotp-find-index-v1', 'utf8');
const FORMAT = 1;
const EMPTY = new Uint8Array(0);

/**
 * Adds freshly imported seeds to the stored index, so the first lookup after a bulk import does not
 * unseal them all again. Best effort: a race with a delete or another import only leaves seeds
 * missing, which the next lookup adds.
 */
export async function addToFindIndex(store: TokenStore, key: Uint8Array, seeds: { serial: string; secret: Uint8Array }[]): Promise<void> {
  const { blob, epoch } = await store.getFindIndex();
  const index = SeedIndex.open(key, blob);
  try {
    for (const { serial, secret } of seeds) index.add(serial, Buffer.from(secret));
    await store.putFindIndex(index.seal(key), epoch);
  } finally {
    index.wipe();
  }
}

/**
 * Seeds by serial. Those read from the blob stay in its plaintext, located by offset: a subarray per
 * seed made up front cost find 100,000 objects (measured); seed() makes one when asked.
 */
export class SeedIndex {
  /** The opened plaintext, or null. */
  private plain: Buffer | null = null;
  /** Serial → offset × 256 + length of its seed in plain. */
  private readonly stored = new Map<string, number>();
  /** Seeds added since it was opened. */
  private readonly added = new Map<string, Buffer>();

  /** How many seeds came from the stored blob. */
  get fromBlob(): number {
    return this.stored.size;
  }

  /** How many seeds were added since it was opened. */
  get addedCount(): number {
    return this.added.size;
  }

  /**
   * Where the blob holds the serial's seed, as start × 256 + length in `bytes`, or -1. find's scan
   * passes the range straight to its HMAC (RekeyableHotp.setKey), making no object per token.
   */
  locate(serial: string): number {
    return this.stored.get(serial) ?? -1;
  }

  /** The opened blob's plaintext (empty when none opened): what locate() points into. */
  get bytes(): Uint8Array {
    return this.plain ?? EMPTY;
  }

  /** Whether the index holds the serial's seed (from the blob or added). */
  has(serial: string): boolean {
    return this.stored.has(serial) || this.added.has(serial);
  }

  /** The serial's seed, from the blob or added, or undefined. */
  seed(serial: string): Uint8Array | undefined {
    const at = this.stored.get(serial);
    if (at === undefined) return this.added.get(serial);
    const offset = Math.floor(at / 256);
    return this.plain!.subarray(offset, offset + (at % 256));
  }

  /** Adds a seed whose buffer this index now owns (wipe() zeroes it). */
  add(serial: string, seed: Buffer): void {
    this.added.set(serial, seed);
  }

  /** Zeroes every seed. */
  wipe(): void {
    this.plain?.fill(0);
    for (const b of this.added.values()) b.fill(0);
    this.stored.clear();
    this.added.clear();
  }

  /** The index sealed under key: the seeds it was opened with and those added. */
  seal(key: Uint8Array): Buffer {
    const all: [string, Uint8Array][] = [...this.stored.keys()].map((s) => [s, this.seed(s)!]);
    for (const [serial, seed] of this.added) if (!this.stored.has(serial)) all.push([serial, seed]);
    let size = 1;
    for (const [serial, seed] of all) size += 2 + serial.length + seed.length;
    const plain = Buffer.alloc(size);
    plain[0] = FORMAT;
    let o = 1;
    for (const [serial, seed] of all) {
      plain[o] = serial.length;
      o += 1 + plain.write(serial, o + 1, 'latin1');
      plain[o] = seed.length;
      plain.set(seed, o + 1);
      o += 1 + seed.length;
    }
    const blob = seal(key, plain, AAD);
    plain.fill(0);
    return blob;
  }

  /**
   * The index in blob, or an empty one when there is none or it does not open (sealed under another
   * master key, or damaged): find then unseals every seed and stores the index again.
   */
  static open(key: Uint8Array, blob: Uint8Array | null): SeedIndex {
    const index = new SeedIndex();
    const plain = blob ? unseal(key, blob, AAD) : null;
    if (!plain) return index;
    index.plain = plain;
    if (plain[0] !== FORMAT) return index;
    for (let o = 1; o < plain.length;) {
      const serialEnd = o + 1 + plain[o]!;
      const seedEnd = serialEnd + 1 + (plain[serialEnd] ?? 0);
      if (seedEnd > plain.length) break; // cannot happen for a blob that authenticated
      index.stored.set(plain.toString('latin1', o + 1, serialEnd), (serialEnd + 1) * 256 + plain[serialEnd]!);
      o = seedEnd;
    }
    return index;
  }
}
