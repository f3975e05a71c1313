/**
 * Duplicate detection (RFC 5080 §2.2.2): a NAS that lost our reply sends the same request again,
 * from the same address and port, with the same Identifier and Request Authenticator. It must get
 * the same answer: running the check again would turn an accepted code into "code already used".
 * So replies are kept for a while under that key; a request that is still being checked is kept
 * as its pending reply, so a retransmission arriving meanwhile waits for the same answer.
 *
 * Only authenticated requests are entered (the server checks the client and the
 * Message-Authenticator first), and a hit must be the very same packet, octet for octet: a
 * different packet under a reused key is a new request and replaces the entry.
 */

/** How long a reply is kept: longer than a NAS keeps retransmitting (typically 3 tries, 5 s apart). */
export const REPLY_CACHE_MS = 30_000;
/** At most this many replies are kept; the oldest go first. */
export const REPLY_CACHE_ENTRIES = 65_536;

interface Entry { request: Buffer; at: number; reply: Promise<Buffer | null> }

export class ReplyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs = REPLY_CACHE_MS, private readonly maxEntries = REPLY_CACHE_ENTRIES, private readonly now: () => number = Date.now) {}

  /** The RFC 5080 key: source address and port, Identifier, Request Authenticator. */
  static key(address: string, port: number, identifier: number, authenticator: Buffer): string {
    return `${address}|${port}|${identifier}|${authenticator.toString('hex')}`;
  }

  /** The reply to an identical earlier request, if it is still kept. */
  get(key: string, request: Buffer): Promise<Buffer | null> | undefined {
    const e = this.entries.get(key);
    if (!e || this.now() - e.at > this.ttlMs || !e.request.equals(request)) return undefined;
    return e.reply;
  }

  /** Keeps the (pending) reply to a request. */
  set(key: string, request: Buffer, reply: Promise<Buffer | null>): void {
    const now = this.now();
    this.entries.delete(key);
    // Entries are in insertion order, so the expired ones are at the front.
    for (const [k, e] of this.entries) {
      if (now - e.at <= this.ttlMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
    this.entries.set(key, { request: Buffer.from(request), at: now, reply });
  }

  /** How many replies are kept now. */
  get size(): number {
    return this.entries.size;
  }
}
