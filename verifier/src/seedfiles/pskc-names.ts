/**
 * Namespace and algorithm URIs of RFC 6030 (PSKC) and the XML Encryption / Signature / PKCS #5
 * specifications it builds on, and the OTP algorithm URIs we accept.
 */
import { isAlgorithm, type HashAlgorithm } from '@hwtotp/protocol';

export const NS = {
  /** RFC 6030 IANA considerations: the PSKC namespace. */
  pskc: 'urn:ietf:params:xml:ns:keyprov:pskc',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xenc11: 'http://www.w3.org/2009/xmlenc11#',
  pkcs5: 'http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#',
};

/** XML Encryption block ciphers (XML Encryption 1.0 §5.2.2): CBC with the IV prepended, key length in bytes. */
export const CBC_ALGORITHMS: { [uri: string]: { cipher: string; keyLength: number } } = {
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc': { cipher: 'aes-128-cbc', keyLength: 16 },
  'http://www.w3.org/2001/04/xmlenc#aes192-cbc': { cipher: 'aes-192-cbc', keyLength: 24 },
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc': { cipher: 'aes-256-cbc', keyLength: 32 },
};
export const AES128_CBC = 'http://www.w3.org/2001/04/xmlenc#aes128-cbc';

/** MAC algorithms for MACMethod (RFC 6030 §6.1.1) and PBKDF2 PRFs (RFC 6030 §6.2), as node:crypto names. */
export const HMAC_ALGORITHMS: { [uri: string]: string } = {
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha224': 'sha224',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512': 'sha512',
};
export const HMAC_SHA1 = 'http://www.w3.org/2000/09/xmldsig#hmac-sha1';

/** PKCS #5 v2.0 PBKDF2 as RFC 6030 §6.2 names it. */
export const PBKDF2 = 'http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2';

/**
 * OTP algorithm URIs. RFC 6030 §10 (algorithm profiles) defines the HOTP URI; the TOTP one is the form vendors use
 * (Feitian, and the IETF draft PSKC algorithm profiles). The "#hotp"/"#totp" spellings come from
 * pre-RFC drafts and still appear in vendor files.
 */
export const OTP_ALGORITHMS: { [uri: string]: 'hotp' | 'totp' } = {
  'urn:ietf:params:xml:ns:keyprov:pskc:hotp': 'hotp',
  'urn:ietf:params:xml:ns:keyprov:pskc:totp': 'totp',
  'urn:ietf:params:xml:ns:keyprov:pskc#hotp': 'hotp',
  'urn:ietf:params:xml:ns:keyprov:pskc#totp': 'totp',
};
export const OTP_URI = { hotp: 'urn:ietf:params:xml:ns:keyprov:pskc:hotp', totp: 'urn:ietf:params:xml:ns:keyprov:pskc:totp' };

/**
 * The hash of an HOTP/TOTP key, from AlgorithmParameters/Suite, which RFC 6030 §4.3 provides for
 * algorithm-specific details such as the hash of an HMAC-based OTP. Absent means SHA1.
 * Accepts "HMAC-SHA256", "SHA256", "sha-256" and the like. Returns undefined for anything else.
 */
export function suiteHash(suite: string): HashAlgorithm | undefined {
  const s = suite.trim().toUpperCase().replace(/^HMAC[-_ ]?/, '').replace('-', '');
  return isAlgorithm(s) ? s : undefined;
}

/** The Suite text written for a hash (none for SHA1, the default). */
export function hashSuite(alg: HashAlgorithm): string {
  return 'HMAC-' + alg;
}
