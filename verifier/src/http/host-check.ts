/**
 * The Host header check against DNS rebinding. A web page on evil.example can make its own name
 * resolve to 127.0.0.1 and then script requests to this server as "same origin"; the browser still
 * sends `Host: evil.example`. Refusing every Host that is not a name or address this server is
 * reached by closes that door for the key-less endpoints (the console files, /api/config, and the
 * sign-in check under --public-check). RFC 9110 §7.2 (Host), §15.5.20 (421 Misdirected Request).
 *
 * Only the host part is compared (case-insensitive, trailing dot ignored): the port cannot be
 * chosen by a rebinding page without changing the origin it runs in.
 */
import { networkInterfaces } from 'node:os';
import { HttpError } from './errors.ts';

/** The environment variable that adds names (comma-separated) to the allowed list. */
export const ALLOWED_HOSTS_VARIABLE = 'HWTOTP_ALLOWED_HOSTS';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Lower-case, brackets and trailing dot removed: the form both sides are compared in. */
function canonical(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** The host part of a Host header value ("name:port", "[v6]:port", "name"), or undefined if malformed. */
export function hostOfHeader(value: string | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::\d{1,5})?$/.exec(value);
  return m ? canonical(m[1]!) : undefined;
}

/**
 * The names a server bound to `bind` answers to: the bind address itself; for a loopback bind
 * every loopback name; for a wildcard bind (0.0.0.0, ::) every address of this machine's interfaces.
 */
export function defaultAllowedHosts(bind: string): string[] {
  const b = canonical(bind);
  const out = new Set<string>([b]);
  if (b === 'localhost' || b === '::1' || b.startsWith('127.')) LOOPBACK_NAMES.forEach((n) => out.add(n));
  if (b === '0.0.0.0' || b === '::') {
    LOOPBACK_NAMES.forEach((n) => out.add(n));
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(canonical(a.address.split('%')[0]!));
  }
  return [...out];
}

/**
 * Checks extra names given by flag or environment: host names or addresses, no port, no scheme.
 * @throws Error naming the source and the entry at fault
 */
export function parseAllowedHosts(entries: readonly string[], where: string): string[] {
  return entries.map((e) => e.trim()).filter((e) => e !== '').map((e) => {
    const name = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?$/.test(e);
    const v6 = /^\[?[0-9A-Fa-f]*:[0-9A-Fa-f:.]*\]?$/.test(e);
    if (!name && !v6) throw new Error(`${where}: "${e}" is not a host name or address (give the name only, no scheme or port)`);
    return canonical(e);
  });
}

/** An onRequest check: throws 421 MisdirectedRequest unless the Host header names an allowed host. */
export function makeHostCheck(allowed: readonly string[]): (host: string | undefined) => void {
  const set = new Set(allowed.map(canonical));
  return (header) => {
    const host = hostOfHeader(header);
    if (host === undefined || !set.has(host)) {
      throw new HttpError('MisdirectedRequest', header
        ? 'this server does not answer for the host named in the Host header; an operator can add it with --allowed-host or ' + ALLOWED_HOSTS_VARIABLE
        : 'the request has no Host header; send one naming this server');
    }
  };
}
