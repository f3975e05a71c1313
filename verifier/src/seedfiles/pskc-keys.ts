/**
 * The container-level key material of a PSKC document (RFC 6030 §6): the encryption key, from a
 * pre-shared key (§6.1) or derived from a password with PBKDF2 (§6.2), and the MAC key that
 * MACMethod carries encrypted under it (§6.1.1).
 */
import { SeedFileError } from './errors.ts';
import { base64Decode } from './base64.ts';
import { child, childText, contains } from './xml-find.ts';
import type { XmlElement } from './xml.ts';
import { CBC_ALGORITHMS, HMAC_ALGORITHMS, HMAC_SHA1, NS, PBKDF2 } from './pskc-names.ts';
import { DecryptFailed, cbcDecrypt, pbkdf2 } from './pskc-crypto.ts';

/** Ceiling on PBKDF2 iterations, so a hostile file cannot make an import spin for minutes. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** The keys needed to read encrypted values, or undefined where the document has none. */
export interface ContainerKeys {
  encryptionKey?: Uint8Array;
  macKey?: Uint8Array;
  /** node:crypto hash name of the MAC algorithm. */
  macHash?: string;
  protection: 'none' | 'psk' | 'password';
}

export interface KeyOptions {
  /** The pre-shared key (RFC 6030 §6.1). */
  psk?: Uint8Array;
  /** The password for a PBKDF2-derived key (RFC 6030 §6.2). */
  password?: string;
}

export const WRONG_KEY = 'wrong key or tampered file';

/** Reads EncryptionKey and MACMethod, deriving and decrypting what the document's encrypted values need. */
export function containerKeys(root: XmlElement, opts: KeyOptions): ContainerKeys {
  const encKeyEl = child(root, NS.pskc, 'EncryptionKey');
  const encrypted = contains(root, NS.pskc, 'EncryptedValue');
  const derived = child(encKeyEl, NS.xenc11, 'DerivedKey');
  if (!encrypted) return { protection: 'none' };

  let encryptionKey: Uint8Array;
  let protection: 'psk' | 'password';
  if (derived) {
    protection = 'password';
    if (opts.password === undefined) {
      const name = childText(derived, NS.xenc11, 'MasterKeyName');
      throw new SeedFileError('missing-key', 'the file is encrypted with a key derived from a password' +
        (name ? ' ("' + name + '")' : '') + '; give the password (--password)');
    }
    encryptionKey = deriveKey(derived, opts.password);
  } else {
    if (encKeyEl && encKeyEl.children.some((c) => c.ns === NS.ds && c.local !== 'KeyName')) {
      throw new SeedFileError('unsupported', 'the file is encrypted with an asymmetric key (RFC 6030 §6.3), which is not supported; ask for a pre-shared key or a password');
    }
    protection = 'psk';
    if (!opts.psk) {
      const name = childText(encKeyEl, NS.ds, 'KeyName');
      throw new SeedFileError('missing-key', 'the file is encrypted with a pre-shared key' + (name ? ' ("' + name + '")' : '') +
        '; give it (--psk HEX)');
    }
    encryptionKey = opts.psk;
  }

  const macMethod = child(root, NS.pskc, 'MACMethod');
  if (!macMethod) {
    throw new SeedFileError('unsupported', 'the file has encrypted values but no MACMethod, so their integrity cannot be checked (RFC 6030 §6.1.1); refused');
  }
  const macUri = macMethod.attrs.Algorithm ?? HMAC_SHA1;
  const macHash = HMAC_ALGORITHMS[macUri];
  if (!macHash) throw new SeedFileError('unsupported', 'MACMethod algorithm "' + macUri + '" is not supported');
  const macKeyEl = child(macMethod, NS.pskc, 'MACKey');
  if (!macKeyEl) throw new SeedFileError('unsupported', 'MACMethod has no MACKey (a MACKeyReference to a key held elsewhere is not supported)');
  const macKey = decryptElement(macKeyEl, encryptionKey, 'MACKey');
  return { encryptionKey, macKey, macHash, protection };
}

function deriveKey(derived: XmlElement, password: string): Uint8Array {
  const method = child(derived, NS.xenc11, 'KeyDerivationMethod');
  const uri = method?.attrs.Algorithm;
  if (uri !== PBKDF2) {
    throw new SeedFileError('unsupported', 'key derivation "' + (uri ?? 'none') + '" is not supported; RFC 6030 §6.2 uses PBKDF2');
  }
  // RFC 6030 Figure 7 puts PBKDF2-params in the PKCS #5 namespace, XML Encryption 1.1 §5.4.2 (and
  // python-pskc) in xenc11; their children appear unqualified or qualified. Accept each form.
  const pk = [NS.pkcs5, NS.xenc11, ''];
  const params = child(method, pk, 'PBKDF2-params');
  if (!params) throw new SeedFileError('malformed', 'KeyDerivationMethod has no PBKDF2-params');
  const salt = childText(child(params, pk, 'Salt'), pk, 'Specified');
  if (!salt) throw new SeedFileError('unsupported', 'PBKDF2-params has no Salt/Specified (another salt source is not supported)');
  const iterations = positiveInt(childText(params, pk, 'IterationCount'), 'PBKDF2 IterationCount', MAX_PBKDF2_ITERATIONS);
  const lenText = childText(params, pk, 'KeyLength');
  const keyLength = lenText === undefined ? 16 : positiveInt(lenText, 'PBKDF2 KeyLength', 64);
  const prfUri = child(params, pk, 'PRF')?.attrs.Algorithm ?? HMAC_SHA1;
  const prf = HMAC_ALGORITHMS[prfUri];
  if (!prf) throw new SeedFileError('unsupported', 'PBKDF2 PRF "' + prfUri + '" is not supported');
  return pbkdf2(password, base64Decode(salt, 'PBKDF2 Salt'), iterations, keyLength, prf);
}

function positiveInt(text: string | undefined, what: string, max: number): number {
  if (text === undefined || !/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new SeedFileError('invalid-value', what + ' must be an integer from 1 to ' + max + ', got "' + (text ?? '') + '"');
  }
  return Number(text);
}

/**
 * Decrypts an element holding xenc:EncryptionMethod and xenc:CipherData/CipherValue (an
 * EncryptedValue or a MACKey). No MAC is checked here; the caller checks ValueMAC first.
 */
export function decryptElement(el: XmlElement, key: Uint8Array, what: string): Uint8Array {
  const uri = child(el, NS.xenc, 'EncryptionMethod')?.attrs.Algorithm;
  if (!uri || !CBC_ALGORITHMS[uri]) {
    throw new SeedFileError('unsupported', what + ' encryption algorithm "' + (uri ?? 'none') + '" is not supported (aes128-cbc, aes192-cbc, aes256-cbc are)');
  }
  if (key.length !== CBC_ALGORITHMS[uri]!.keyLength) {
    throw new SeedFileError('wrong-key', WRONG_KEY + ': ' + what + ' needs a ' + CBC_ALGORITHMS[uri]!.keyLength + '-byte key, the key given has ' + key.length + ' bytes');
  }
  const cv = childText(child(el, NS.xenc, 'CipherData'), NS.xenc, 'CipherValue');
  if (!cv) throw new SeedFileError('malformed', what + ' has no CipherData/CipherValue');
  try {
    return cbcDecrypt(uri, key, base64Decode(cv, what + ' CipherValue'));
  } catch (e) {
    if (e instanceof DecryptFailed) throw new SeedFileError('wrong-key', WRONG_KEY + ' (' + what + ' does not decrypt)');
    throw e;
  }
}

/** The raw IV || ciphertext of an EncryptedValue, for the ValueMAC. */
export function cipherBytes(el: XmlElement, what: string): Uint8Array {
  const cv = childText(child(el, NS.xenc, 'CipherData'), NS.xenc, 'CipherValue');
  if (!cv) throw new SeedFileError('malformed', what + ' has no CipherData/CipherValue');
  return base64Decode(cv, what + ' CipherValue');
}
