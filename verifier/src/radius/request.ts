/**
 * What an Access-Request carries for a PAP sign-in (RFC 2865 §4.1, §5.1, §5.2): one User-Name and
 * one User-Password. A repeated one, or an empty User-Name or one that is not UTF-8 (user names are
 * matched against the registry's, which are text), is malformed.
 */
import { ATTR, MalformedPacket, attributesOf, type Packet } from './packet.ts';
import { revealPassword } from './password.ts';

/** The sign-in an Access-Request asks for: user and code (null when the attribute is absent). */
export interface PapRequest { user: string | null; code: string | null }

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A lone attribute's value, null when absent; throws when repeated. */
function single(p: Packet, type: number, name: string): Buffer | null {
  const found = attributesOf(p, type);
  if (found.length > 1) throw new MalformedPacket('bad-attribute', `${found.length} ${name} attributes, at most 1 allowed`);
  return found[0]?.value ?? null;
}

/**
 * The user and the code. The code is the revealed User-Password: a wrong shared secret reveals
 * noise, so a password that is not printable ASCII is reported as 'undecodable' (for a client that
 * sends no Message-Authenticator this is the only sign of a wrong secret).
 */
export function papRequest(p: Packet, secret: Buffer): PapRequest | 'undecodable' {
  const name = single(p, ATTR.UserName, 'User-Name');
  const hidden = single(p, ATTR.UserPassword, 'User-Password');
  let user: string | null = null;
  if (name !== null) {
    if (name.length === 0) throw new MalformedPacket('bad-attribute', 'empty User-Name');
    try {
      user = utf8.decode(name);
    } catch {
      throw new MalformedPacket('bad-attribute', 'User-Name is not UTF-8');
    }
  }
  if (hidden === null) return { user, code: null };
  const revealed = revealPassword(hidden, secret, p.authenticator);
  for (const c of revealed) if (c < 0x20 || c > 0x7e) return 'undecodable';
  return { user, code: revealed.toString('latin1') };
}
