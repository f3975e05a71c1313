/**
 * Reads an RFC 6030 PSKC document into SeedRecords.
 *
 * Per KeyPackage (RFC 6030 §4): DeviceInfo (Manufacturer, SerialNo, Model), Key/@Id and @Algorithm,
 * Issuer, AlgorithmParameters (Suite for the hash, ResponseFormat Length for the digits, DECIMAL only),
 * and Data: Secret, Counter, Time, TimeInterval and TimeDrift, each as a PlainValue or an
 * EncryptedValue (§6) whose ValueMAC is checked before anything is decrypted.
 *
 * Interpretations (documented in ./README.md):
 * - serial = DeviceInfo/SerialNo, else Key/@Id;
 * - Time is T0 in Unix seconds; TimeDrift counts time steps (RFC 6030 §4.3), so it is stored as is;
 * - an encrypted integer decrypts to its big-endian bytes (the form common PSKC libraries write);
 * - no ResponseFormat means 6 digits, no TimeInterval means 30 s, no Suite means SHA1;
 * - Policy (dates, PIN, usage) is neither enforced nor kept.
 */
import { DEFAULT_PARAMS, LIMITS } from '@hwtotp/protocol';
import { SeedFileError } from './errors.ts';
import { SeedRecord, describeKey } from './record.ts';
import { XmlElement, parseXml, DEFAULT_MAX_BYTES } from './xml.ts';
import { child, childText, children, qualified } from './xml-find.ts';
import { base64Decode } from './base64.ts';
import { NS, OTP_ALGORITHMS, suiteHash } from './pskc-names.ts';
import { ContainerKeys, KeyOptions, WRONG_KEY, cipherBytes, containerKeys, decryptElement } from './pskc-keys.ts';
import { hmac, macEqual } from './pskc-crypto.ts';
import { textProblem } from '../validate.ts';

export interface PskcReadOptions extends KeyOptions {
  /** Largest input accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
}

/** What a PSKC document held. */
export interface PskcDocument {
  records: SeedRecord[];
  /** How its values were protected: lets the CLI say that a --psk was not needed. */
  protection: ContainerKeys['protection'];
}

/**
 * Parses and decrypts a PSKC document.
 * @throws SeedFileError; when several keys are bad, one error lists every one of them.
 */
export function readPskc(input: string | Uint8Array, opts: PskcReadOptions = {}): PskcDocument {
  const root = parseXml(input, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  if (root.ns !== NS.pskc || root.local !== 'KeyContainer') {
    throw new SeedFileError('malformed', 'not a PSKC document: the root element is ' + qualified(root) +
      ', not KeyContainer in the namespace ' + NS.pskc);
  }
  if (root.attrs.Version !== '1.0') {
    throw new SeedFileError('unsupported', 'PSKC KeyContainer Version "' + (root.attrs.Version ?? '') + '" is not supported (RFC 6030 is 1.0)');
  }
  const keys = containerKeys(root, opts);
  const records: SeedRecord[] = [];
  const problems: SeedFileError[] = [];
  children(root, NS.pskc, 'KeyPackage').forEach((pkg, index) => {
    const key = child(pkg, NS.pskc, 'Key');
    if (!key) return; // a package with device data only carries no key to lose
    const serial = childText(child(pkg, NS.pskc, 'DeviceInfo'), NS.pskc, 'SerialNo') ?? key.attrs.Id;
    try {
      records.push(readKey(pkg, key, keys));
    } catch (e) {
      if (!(e instanceof SeedFileError)) throw e;
      problems.push(new SeedFileError(e.reason, describeKey(index, serial) + ': ' + e.message));
    }
  });
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) {
    throw new SeedFileError(problems[0]!.reason, problems.length + ' keys are bad', problems.map((p) => p.message));
  }
  return { records, protection: keys.protection };
}

/**
 * A text field that names something (serial, Key Id, manufacturer, model, issuer), refused when it
 * holds a control character (tab, line ends, DEL and C1 included, which XML itself allows): such
 * text would be exported raw and reach terminals and spreadsheets. Names the field, not the value.
 */
function nameText(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const problem = textProblem(value);
  if (problem) throw new SeedFileError('invalid-value', field + ' ' + problem);
  return value;
}

function readKey(pkg: XmlElement, key: XmlElement, keys: ContainerKeys): SeedRecord {
  const info = child(pkg, NS.pskc, 'DeviceInfo');
  const keyId = nameText(key.attrs.Id, 'Key Id');
  const serial = nameText(childText(info, NS.pskc, 'SerialNo'), 'DeviceInfo/SerialNo') ?? keyId;
  if (!serial) throw new SeedFileError('invalid-value', 'has neither DeviceInfo/SerialNo nor a Key Id');

  const algUri = key.attrs.Algorithm;
  const kind = algUri ? OTP_ALGORITHMS[algUri] : undefined;
  if (!kind) {
    throw new SeedFileError('unsupported', 'unknown algorithm "' + (algUri ?? '') + '" (supported: ' + Object.keys(OTP_ALGORITHMS).join(', ') + ')');
  }
  const params = child(key, NS.pskc, 'AlgorithmParameters');
  const suite = childText(params, NS.pskc, 'Suite');
  const algorithm = suite === undefined ? DEFAULT_PARAMS.algorithm : suiteHash(suite);
  if (!algorithm) throw new SeedFileError('unsupported', 'unknown algorithm suite "' + suite + '" (HMAC-SHA1, HMAC-SHA256, HMAC-SHA512 are supported)');
  const digits = responseDigits(child(params, NS.pskc, 'ResponseFormat'));

  const data = child(key, NS.pskc, 'Data');
  const secretEl = child(data, NS.pskc, 'Secret');
  if (!secretEl) throw new SeedFileError('invalid-value', 'has no Data/Secret');
  const secret = readBinary(secretEl, 'Secret', keys);
  if (secret.length === 0) throw new SeedFileError('invalid-value', 'Secret is empty');

  const counter = readInteger(child(data, NS.pskc, 'Counter'), 'Counter', keys, 0, Number.MAX_SAFE_INTEGER);
  const t0 = readInteger(child(data, NS.pskc, 'Time'), 'Time', keys, LIMITS.t0.min, LIMITS.t0.max) ?? DEFAULT_PARAMS.t0;
  const period = readInteger(child(data, NS.pskc, 'TimeInterval'), 'TimeInterval', keys, LIMITS.period.min, LIMITS.period.max) ?? DEFAULT_PARAMS.period;
  const driftSteps = readInteger(child(data, NS.pskc, 'TimeDrift'), 'TimeDrift', keys, -1e9, 1e9) ?? 0;

  const record: SeedRecord = { serial, secret, kind, algorithm, digits, period, t0, driftSteps };
  if (kind === 'hotp') record.counter = counter ?? 0;
  const manufacturer = nameText(childText(info, NS.pskc, 'Manufacturer'), 'DeviceInfo/Manufacturer');
  const model = nameText(childText(info, NS.pskc, 'Model'), 'DeviceInfo/Model');
  const issuer = nameText(childText(key, NS.pskc, 'Issuer'), 'Issuer');
  if (manufacturer !== undefined) record.manufacturer = manufacturer;
  if (model !== undefined) record.model = model;
  if (issuer !== undefined) record.issuer = issuer;
  if (keyId !== undefined && keyId !== serial) record.keyId = keyId;
  return record;
}

function responseDigits(rf: XmlElement | undefined): number {
  if (!rf) return DEFAULT_PARAMS.digits;
  const enc = rf.attrs.Encoding ?? 'DECIMAL';
  if (enc !== 'DECIMAL') throw new SeedFileError('unsupported', 'ResponseFormat Encoding "' + enc + '" is not supported (only DECIMAL)');
  const len = rf.attrs.Length ?? '';
  const { min, max } = LIMITS.digits;
  if (!/^[0-9]{1,2}$/.test(len) || Number(len) < min || Number(len) > max) {
    throw new SeedFileError('invalid-value', 'ResponseFormat Length must be from ' + min + ' to ' + max + ', got "' + len + '"');
  }
  return Number(len);
}

/** A PlainValue (base64) or an EncryptedValue checked against its ValueMAC, as bytes. */
function readBinary(el: XmlElement, what: string, keys: ContainerKeys): Uint8Array {
  const plain = child(el, NS.pskc, 'PlainValue');
  if (plain) return base64Decode(plain.text, what + ' PlainValue');
  const enc = child(el, NS.pskc, 'EncryptedValue');
  if (!enc) throw new SeedFileError('invalid-value', what + ' has neither PlainValue nor EncryptedValue');
  if (!keys.encryptionKey || !keys.macKey || !keys.macHash) {
    throw new SeedFileError('missing-key', what + ' is encrypted but the file declares no key to decrypt it');
  }
  const macText = childText(el, NS.pskc, 'ValueMAC');
  if (!macText) throw new SeedFileError('unsupported', what + ' is encrypted without a ValueMAC, so its integrity cannot be checked; refused');
  const expected = hmac(keys.macHash, keys.macKey, cipherBytes(enc, what));
  if (!macEqual(base64Decode(macText, what + ' ValueMAC'), expected)) {
    throw new SeedFileError('wrong-key', WRONG_KEY + ' (' + what + ' ValueMAC does not match)');
  }
  return decryptElement(enc, keys.encryptionKey, what);
}

/** An integer data element; an encrypted one is its big-endian bytes. Undefined when absent. */
function readInteger(el: XmlElement | undefined, what: string, keys: ContainerKeys, min: number, max: number): number | undefined {
  if (!el) return undefined;
  let n: number;
  const plain = child(el, NS.pskc, 'PlainValue');
  if (plain) {
    const t = plain.text.trim();
    if (!/^[-+]?[0-9]{1,16}$/.test(t)) throw new SeedFileError('invalid-value', what + ' must be an integer, got "' + t.slice(0, 40) + '"');
    n = Number(t);
  } else {
    const bytes = readBinary(el, what, keys);
    if (bytes.length > 6) throw new SeedFileError('invalid-value', what + ' is ' + bytes.length + ' bytes, too large');
    n = 0;
    for (const b of bytes) n = n * 256 + b;
  }
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new SeedFileError('invalid-value', what + ' must be from ' + min + ' to ' + max + ', got ' + n);
  }
  return n;
}
