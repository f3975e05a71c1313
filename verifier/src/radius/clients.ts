/**
 * The clients file: which NAS may ask, and with which shared secret (RFC 2865 §3: the secret is
 * shared per client). One client per line:
 *
 *     ADDRESS[/PREFIX] SECRET [require-message-authenticator=no]
 *
 * `#` starts a comment (so a secret cannot hold `#` or blanks). A request is matched to the line
 * with the longest prefix that covers its source address. The file holds secrets: one that anyone
 * but its owner can write is refused, since whoever writes it chooses whom the server trusts.
 */
import { readFileSync, statSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

/** One NAS (or network of them). */
export interface RadiusClient {
  /** As written, e.g. `10.0.0.0/8`. */
  network: string;
  secret: Buffer;
  /** False only with `require-message-authenticator=no` (clients that cannot send one). */
  requireMessageAuthenticator: boolean;
  /** The line of the file, for messages. */
  line: number;
}

/** A clients file that cannot be used, with the line and what to fix. */
export class ClientsFileError extends Error {
  override name = 'ClientsFileError';
}

/** RFC 2865 §3: "It is preferred that the secret be at least 16 octets." Shorter ones are warned about. */
export const MIN_SECRET_LENGTH = 16;

/** How many source addresses' lookups are remembered (a spoofed flood only clears the memo). */
const LOOKUP_CACHE_ENTRIES = 4096;

interface Entry { client: RadiusClient; family: 'ipv4' | 'ipv6'; prefix: number; list: BlockList }

/** An IPv4 address a dual-stack socket reports as ::ffff:a.b.c.d, as plain IPv4. */
function unmap(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** The parsed clients of a file, looked up by source address. */
export class RadiusClients {
  /** Lookups by source address: BlockList.check builds objects per call, a cost per packet (profiled). */
  private readonly seen = new Map<string, RadiusClient | null>();

  private constructor(private readonly entries: Entry[], readonly warnings: readonly string[]) {}

  /** Parses the text of a clients file (`where` names it in errors). */
  static parse(text: string, where = 'clients file'): RadiusClients {
    const entries: Entry[] = [];
    const warnings: string[] = [];
    const seen = new Map<string, number>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = i + 1;
      const fields = raw.replace(/#.*$/, '').trim().split(/\s+/).filter((f) => f !== '');
      if (fields.length === 0) return;
      const bad = (why: string) => new ClientsFileError(`${where} line ${line}: ${why}; expected ADDRESS[/PREFIX] SECRET [require-message-authenticator=no]`);
      if (fields.length < 2 || fields.length > 3) throw bad(`${fields.length} field${fields.length === 1 ? '' : 's'}`);
      const [network, secret, option] = fields as [string, string, string | undefined];
      if (option !== undefined && option !== 'require-message-authenticator=no') throw bad(`unknown option "${option}"`);
      const [addr, prefixText, extra] = network.split('/');
      const version = isIP(addr ?? '');
      if (extra !== undefined || version === 0) throw bad(`"${network}" is not an IPv4 or IPv6 address with an optional /PREFIX`);
      const family = version === 4 ? 'ipv4' : 'ipv6';
      const max = version === 4 ? 32 : 128;
      if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) throw bad(`prefix "/${prefixText}" is not a number`);
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (prefix > max) throw bad(`prefix /${prefix} is over /${max} for an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
      const list = new BlockList();
      list.addSubnet(addr!, prefix, family);
      const key = `${family} ${addr!.toLowerCase()}/${prefix}`;
      const before = seen.get(key);
      if (before !== undefined) throw bad(`${network} is already listed on line ${before}`);
      seen.set(key, line);
      if (secret.length < MIN_SECRET_LENGTH) {
        warnings.push(`${where} line ${line}: the secret of ${network} is ${secret.length} characters; use ${MIN_SECRET_LENGTH} or more ` +
          '(RFC 2865 §3), since one captured request lets a short secret be guessed offline');
      }
      entries.push({ client: { network, secret: Buffer.from(secret, 'utf8'), requireMessageAuthenticator: option === undefined, line }, family, prefix, list });
    });
    if (entries.length === 0) throw new ClientsFileError(`${where} lists no client; add a line such as "127.0.0.1 SECRET"`);
    entries.sort((a, b) => b.prefix - a.prefix);
    return new RadiusClients(entries, warnings);
  }

  /** Reads and parses a clients file, refusing one that group or others can write. */
  static load(path: string): RadiusClients {
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch (e) {
      throw new ClientsFileError(`cannot read the clients file ${path}: ${(e as Error).message}`);
    }
    if ((mode & 0o022) !== 0) {
      throw new ClientsFileError(`the clients file ${path} is writable by ${mode & 0o002 ? 'anyone' : 'its group'} (mode ${(mode & 0o777).toString(8)}); ` +
        `whoever can write it chooses whom the server trusts: chmod 600 ${path}`);
    }
    return RadiusClients.parse(readFileSync(path, 'utf8'), path);
  }

  /** The client whose line covers this source address (longest prefix), or undefined. */
  lookup(address: string): RadiusClient | undefined {
    let hit = this.seen.get(address);
    if (hit === undefined) {
      if (this.seen.size >= LOOKUP_CACHE_ENTRIES) this.seen.clear();
      hit = this.match(address) ?? null;
      this.seen.set(address, hit);
    }
    return hit ?? undefined;
  }

  private match(address: string): RadiusClient | undefined {
    const a = unmap(address);
    const version = isIP(a);
    if (version === 0) return undefined;
    const family = version === 4 ? 'ipv4' : 'ipv6';
    return this.entries.find((e) => e.family === family && e.list.check(a, family))?.client;
  }

  /** Every client, most specific first. */
  get all(): readonly RadiusClient[] {
    return this.entries.map((e) => e.client);
  }
}
