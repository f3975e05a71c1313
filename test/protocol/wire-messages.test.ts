/**
 * Wire v1 messages (PROTOCOL.md §5-§7): argument checks both ends run, and the reply helpers.
 * Every refusal names its field; no refusal ever quotes the secret.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CAPPED_MSG, cappedErrorReply, checkRequest, crc32, decodeErrorReply, decodeLine, encodeFrame, ERROR, errorReply, FrameDecoder, helloArgs, HelloInfo,
  MAX_FRAME, MAX_TIME, MIN_TIME, okReply, parseErrorReply, parseHello, parseProvisionArgs, parseProvisionReply,
  parseTimeArg, parseWaitReply, provisionRequestArgs, waitReply,
} from '@hwtotp/protocol';

const SECRET = '3132333435363738393031323334353637383930';
const GOOD = { serial: 'HWT-000000042', secret: SECRET, alg: 'SHA1', digits: '6', period: '30', time: '1764370000' };

describe('parseProvisionArgs', () => {
  it('accepts the good cases', () => {
    expect(parseProvisionArgs(GOOD)).toEqual({
      value: { serial: 'HWT-000000042', secret: new Uint8Array(Buffer.from(SECRET, 'hex')), algorithm: 'SHA1', digits: 6, period: 30, t0: 0, time: 1764370000 },
    });
    for (const alg of ['SHA1', 'SHA256', 'SHA512']) expect(parseProvisionArgs({ ...GOOD, alg }).value?.algorithm).toBe(alg);
    for (const d of ['6', '7', '8']) expect(parseProvisionArgs({ ...GOOD, digits: d }).value?.digits).toBe(Number(d));
    for (const p of ['1', '60', '3600']) expect(parseProvisionArgs({ ...GOOD, period: p }).value?.period).toBe(Number(p));
    expect(parseProvisionArgs({ ...GOOD, t0: '100' }).value?.t0).toBe(100);
    expect(parseProvisionArgs({ ...GOOD, secret: 'AB'.repeat(16) }).value?.secret.length).toBe(16);
    expect(parseProvisionArgs({ ...GOOD, secret: 'ab'.repeat(64) }).value?.secret.length).toBe(64);
    expect(parseProvisionArgs({ ...GOOD, serial: 'a:b/c+d=e,f.g@h-i' }).value?.serial).toBe('a:b/c+d=e,f.g@h-i');
    expect(parseProvisionArgs({ ...GOOD, extra: 'ignored' }).value).toBeDefined();
  });

  const bad: [string, Record<string, string | undefined>, RegExp][] = [
    ['serial missing', { serial: undefined }, /^serial is missing$/],
    ['serial too short', { serial: 'HWT-1' }, /^serial must be 9-64 .*got 5 characters/],
    ['serial too long', { serial: 'A'.repeat(65) }, /^serial must be .*got 65/],
    ['serial with a space', { serial: 'HWT 000000042' }, /^serial must be/],
    ['secret missing', { secret: undefined }, /^secret is missing$/],
    ['secret not hex', { secret: SECRET.slice(0, 10) + 'zz' + SECRET.slice(12) }, /^secret must be hex, with a bad character at position 10$/],
    ['secret odd length', { secret: SECRET + 'a' }, /^secret must be 16 to 64 bytes .*got 41 hex digits/],
    ['secret 15 bytes', { secret: SECRET.slice(0, 30) }, /^secret must be 16 to 64 bytes .*got 30/],
    ['secret 65 bytes', { secret: 'ab'.repeat(65) }, /^secret must be 16 to 64 bytes .*got 130/],
    ['alg missing', { alg: undefined }, /^alg is missing$/],
    ['alg lower case', { alg: 'sha1' }, /^alg must be SHA1, SHA256 or SHA512$/],
    ['alg MD5', { alg: 'MD5' }, /^alg must be/],
    ['digits missing', { digits: undefined }, /^digits is missing$/],
    ['digits 5', { digits: '5' }, /^digits must be from 6 to 8, got 5$/],
    ['digits 9', { digits: '9' }, /^digits must be from 6 to 8, got 9$/],
    ['digits leading zero', { digits: '06' }, /^digits must be an integer in canonical decimal$/],
    ['digits word', { digits: 'six' }, /^digits must be an integer in canonical decimal$/],
    ['digits fraction', { digits: '6.0' }, /^digits must be an integer/],
    ['period 0', { period: '0' }, /^period must be from 1 to 3600, got 0$/],
    ['period 3601', { period: '3601' }, /^period must be from 1 to 3600/],
    ['period missing', { period: undefined }, /^period is missing$/],
    ['t0 negative', { t0: '-1' }, /^t0 must be from 0 to/],
    ['t0 plus sign', { t0: '+1' }, /^t0 must be an integer/],
    ['t0 after time', { t0: '1764370001' }, /^t0 must not be after time$/],
    ['time missing', { time: undefined }, /^time is missing$/],
    ['time before 2020', { time: String(MIN_TIME - 1) }, /^time must be from 1577836800 to 4102444800, got 1577836799$/],
    ['time after 2100', { time: String(MAX_TIME + 1) }, /^time must be from/],
    ['time huge', { time: '9'.repeat(17) }, /^time must be an integer in canonical decimal$/],
  ];
  for (const [name, change, message] of bad) {
    it(`refuses ${name}, naming the field and not the secret`, () => {
      const args: Record<string, string> = { ...GOOD };
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete args[k];
        else args[k] = v;
      }
      const r = parseProvisionArgs(args);
      expect(r.value).toBeUndefined();
      expect(r.error).toMatch(message);
      const secret = args.secret ?? SECRET;
      for (let i = 0; i + 6 <= secret.length; i++) expect(r.error).not.toContain(secret.slice(i, i + 6));
    });
  }

  it('never quotes a random secret, whatever is wrong with it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 200 }), (secret) => {
        const r = parseProvisionArgs({ ...GOOD, secret });
        if (r.error) for (let i = 0; i + 6 <= secret.length; i++) expect(r.error).not.toContain(secret.slice(i, i + 6));
      }),
    );
  });

  it('provisionRequestArgs builds what parseProvisionArgs accepts, and the frame fits at the largest sizes', () => {
    const p = { serial: 'S'.repeat(64), secret: new Uint8Array(64).fill(0xab), algorithm: 'SHA512' as const, digits: 8, period: 3600, t0: MAX_TIME, time: MAX_TIME };
    const args = provisionRequestArgs(p);
    expect(parseProvisionArgs(args).value).toEqual(p);
    const line = encodeFrame({ id: 99_999_999, op: 'PROVISION', args }, crc32);
    expect(line.length).toBeLessThan(MAX_FRAME);
    expect(provisionRequestArgs({ ...p, t0: 0 }).t0).toBeUndefined();
  });
});

describe('parseTimeArg', () => {
  it('accepts the range and refuses outside it, naming time', () => {
    expect(parseTimeArg({ time: String(MIN_TIME) })).toEqual({ value: MIN_TIME });
    expect(parseTimeArg({ time: String(MAX_TIME) })).toEqual({ value: MAX_TIME });
    expect(parseTimeArg({ time: '1764370000' })).toEqual({ value: 1764370000 });
    for (const t of ['0', '-5', '1e9', '', ' 1764370000', '1764370000.5', String(MAX_TIME + 1)]) {
      expect(parseTimeArg({ time: t }).error, t).toMatch(/^time must be/);
    }
    expect(parseTimeArg({})).toEqual({ error: 'time is missing' });
  });
});

describe('reply helpers', () => {
  it('okReply, waitReply and errorReply build the frames of the spec', () => {
    expect(encodeFrame(okReply(5), crc32)).toMatch(/^!5 OK\*[0-9A-F]{8}\n$/);
    expect(encodeFrame(okReply(5, { time: '1764370000' }), crc32)).toMatch(/^!5 OK time=1764370000\*/);
    expect(encodeFrame(waitReply(6, 10), crc32)).toMatch(/^!6 WAIT reason=presence timeout=10\*/);
    expect(encodeFrame(errorReply(7, ERROR.BUSY, 'waiting for a press'), crc32)).toMatch(/^!7 ERR code=BUSY msg=waiting%20for%20a%20press\*/);
    expect(errorReply(7, ERROR.BUSY)).toEqual({ id: 7, op: 'ERR', args: { code: 'BUSY' } });
  });

  it('errorReply always fits MAX_FRAME and keeps a prefix of the message', () => {
    const codes = Object.values(ERROR);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.constantFrom(...codes),
        fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 700 }),
        (id, code, msg) => {
          const line = encodeFrame(errorReply(id, code, msg), crc32);
          expect(line.length).toBeLessThanOrEqual(MAX_FRAME);
          const back = decodeLine(line.slice(0, -1), crc32).frame;
          expect(back?.args.code).toBe(code);
          expect(msg.startsWith(back?.args.msg ?? '')).toBe(true);
          // Cut only when needed: 3 characters of slack at most, for an escape that would not fit.
          if ((back?.args.msg ?? '').length < msg.length) expect(line.length).toBeGreaterThan(MAX_FRAME - 3);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cappedErrorReply (the token\'s) fits MAX_FRAME for any message, and CAPPED_MSG is the most that always fits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.constantFrom(...Object.values(ERROR), 'E'.repeat(32)),
        fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 700 }),
        (id, code, msg) => {
          const line = encodeFrame(cappedErrorReply(id, code, msg), crc32);
          expect(line.length).toBeLessThanOrEqual(MAX_FRAME);
          const back = decodeLine(line.slice(0, -1), crc32).frame;
          expect(back?.args).toEqual({ code, msg: msg.slice(0, CAPPED_MSG) });
        },
      ),
      { numRuns: 500 },
    );
    // the worst case: longest id, a 32-character code, every character escaped to 3
    const worst = (n: number) => encodeFrame({ ...cappedErrorReply(99_999_999, 'E'.repeat(32), ''), args: { code: 'E'.repeat(32), msg: ' '.repeat(n) } }, crc32);
    expect(encodeFrame(cappedErrorReply(99_999_999, 'E'.repeat(32), ' '.repeat(600)), crc32)).toBe(worst(CAPPED_MSG));
    expect(worst(CAPPED_MSG).length).toBeLessThanOrEqual(MAX_FRAME);
    expect(() => worst(CAPPED_MSG + 1)).toThrow(/over the limit of 512/);
    // a message the token sends goes out whole
    expect(cappedErrorReply(7, ERROR.BUSY, 'waiting for a press')).toEqual({ id: 7, op: 'ERR', args: { code: 'BUSY', msg: 'waiting for a press' } });
  });

  it('decodeErrorReply answers each decoder error with its code and id', () => {
    const [r] = new FrameDecoder(crc32).push('!1 PING*00000000\n');
    expect(decodeErrorReply(r!)).toEqual({ id: 0, op: 'ERR', args: { code: 'BAD_CHECKSUM', msg: r!.message } });
    const [t] = new FrameDecoder(crc32).push('x'.repeat(600) + '\n');
    expect(decodeErrorReply(t!).args.code).toBe('TOO_LONG');
  });

  it('checkRequest refuses id 0 and operations v1 lacks, and passes the five requests', () => {
    expect(checkRequest({ id: 0, op: 'PING', args: {} })).toEqual(errorReply(0, 'BAD_FRAME', 'a request id must be 1 to 99999999'));
    expect(checkRequest({ id: 3, op: 'READ', args: {} })).toEqual(errorReply(3, 'UNKNOWN_OP', 'unknown operation READ'));
    expect(checkRequest({ id: 3, op: 'OK', args: {} })?.args.code).toBe('UNKNOWN_OP');
    for (const op of ['HELLO', 'PROVISION', 'SETTIME', 'WIPE', 'PING']) expect(checkRequest({ id: 1, op, args: {} })).toBeUndefined();
  });

  it('parseProvisionReply, parseErrorReply and parseWaitReply check their fields', () => {
    expect(parseProvisionReply({ kcv: '0A1B2C', serial: 'HWT-000000042' })).toEqual({ value: { kcv: '0A1B2C', serial: 'HWT-000000042' } });
    expect(parseProvisionReply({ kcv: '0a1b2c', serial: 'HWT-000000042' }).error).toMatch(/^kcv/);
    expect(parseProvisionReply({ kcv: '0A1B2C' }).error).toMatch(/^serial/);
    expect(parseErrorReply({ code: 'BUSY', msg: 'x' })).toEqual({ value: { code: 'BUSY', msg: 'x' } });
    expect(parseErrorReply({ code: 'NEW_CODE' })).toEqual({ value: { code: 'NEW_CODE', msg: '' } });
    expect(parseErrorReply({ msg: 'x' }).error).toMatch(/^code/);
    expect(parseWaitReply({ reason: 'presence', timeout: '10' })).toEqual({ value: 10 });
    expect(parseWaitReply({ reason: 'other', timeout: '10' }).error).toMatch(/^reason/);
    expect(parseWaitReply({ reason: 'presence', timeout: '0' }).error).toMatch(/^timeout/);
  });
});

describe('HELLO', () => {
  const provisioned: HelloInfo = {
    proto: 1, fw: '0.1.0', board: 'pico', state: 'provisioned', serial: 'HWT-000000042', alg: 'SHA256', digits: 8,
    period: 60, t0: 0, kcv: 'E7DFA3', clockSet: true, time: 1764370000, hashes: ['SHA1', 'SHA256'],
  };
  const blank: HelloInfo = { proto: 1, fw: '1.20.3-rc.1', board: 'banglejs2', state: 'blank', clockSet: false, time: 12, hashes: ['SHA1'] };

  it('helloArgs → frame → parseHello round-trips blank and provisioned tokens', () => {
    for (const info of [provisioned, blank, { ...blank, serial: 'HWT-000000001' }]) {
      const line = encodeFrame(okReply(1, helloArgs(info)), crc32);
      const frame = decodeLine(line.trimEnd(), crc32).frame!;
      expect(parseHello(frame.args)).toEqual({ value: info });
    }
  });

  it('puts the fields in the order of the spec', () => {
    expect(Object.keys(helloArgs(provisioned))).toEqual(['proto', 'fw', 'board', 'state', 'serial', 'alg', 'digits', 'period', 't0', 'kcv', 'clock', 'time', 'hashes']);
  });

  it('refuses another protocol version before anything else', () => {
    expect(parseHello({ proto: '2' })).toEqual({ error: 'proto: the token speaks protocol 2, this host speaks 1' });
    expect(parseHello({}).error).toBe('proto is missing');
    expect(parseHello({ proto: 'one' }).error).toMatch(/^proto must be an integer/);
  });

  const good = helloArgs(provisioned);
  const broken: [string, Record<string, string | undefined>, RegExp][] = [
    ['fw', { fw: 'v1' }, /^fw must be/],
    ['board', { board: 'Pico!' }, /^board must be/],
    ['state', { state: 'locked' }, /^state must be blank or provisioned/],
    ['serial', { serial: 'x' }, /^serial must be/],
    ['serial missing when provisioned', { serial: undefined }, /^serial is missing/],
    ['alg', { alg: 'MD5' }, /^alg must be/],
    ['digits', { digits: '9' }, /^digits must be from 6 to 8/],
    ['period', { period: undefined }, /^period is missing/],
    ['t0', { t0: '-1' }, /^t0 must be/],
    ['kcv', { kcv: 'e7dfa3' }, /^kcv must be 6 upper-case hex/],
    ['clock', { clock: 'yes' }, /^clock must be set or unset/],
    ['time', { time: 'now' }, /^time must be an integer/],
    ['hashes', { hashes: 'SHA1,,SHA256' }, /^hashes must be/],
  ];
  for (const [name, change, message] of broken) {
    it(`refuses a bad ${name}`, () => {
      const args: Record<string, string> = { ...good };
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete args[k];
        else args[k] = v;
      }
      expect(parseHello(args).error).toMatch(message);
    });
  }

  it('ignores unknown keys and hash names, and treats a missing t0 as 0', () => {
    const args: Record<string, string> = { ...good, hashes: 'SHA1,SHA3_256,SHA256,SHA1', battery: '80' };
    delete args.t0;
    expect(parseHello(args)).toEqual({ value: { ...provisioned, hashes: ['SHA1', 'SHA256'] } });
  });
});
