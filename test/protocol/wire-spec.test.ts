/**
 * protocol/PROTOCOL.md is the contract a reader implements from, so its examples must be true:
 * every frame in it decodes with a right CRC, every transcript reply echoes its request's id, every
 * id-0 error is what the decoder really says about the preceding line, HELLO/PROVISION/WAIT/ERR
 * replies pass the shared checkers, the KCV matches the seed sent, and the error table lists exactly
 * the codes the code defines.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  crc32, decodeLine, ERROR, Frame, hex8, kcv, MAX_FRAME, parseErrorReply, parseHello, parseProvisionArgs,
  parseProvisionReply, parseWaitReply, REPLY,
} from '@hwtotp/protocol';
import { nobleHmac } from '@hwtotp/protocol/host';

const SPEC = readFileSync(fileURLToPath(new URL('../../protocol/PROTOCOL.md', import.meta.url)), 'utf8');

/** Every "!<id> <OP> ...*<8 hex>" in the text, prose and code blocks alike. */
const FRAMES = SPEC.match(/!\d+ [A-Z_]+(?: [a-z][a-z0-9]*=[^\s`*]*)*\*[0-9A-F]{8}/g) ?? [];

/** The lines of the ```text transcripts: direction and payload. */
const TRANSCRIPT = [...SPEC.matchAll(/```text\n([\s\S]*?)```/g)]
  .flatMap((m) => (m[1] as string).split('\n'))
  .filter((l) => /^[<>] /.test(l))
  .map((l) => ({ dir: l[0] as '<' | '>', text: l.slice(2) }));

const decode = (line: string) => decodeLine(line, crc32);

describe('PROTOCOL.md', () => {
  it('has a substantial set of examples', () => {
    expect(FRAMES.length).toBeGreaterThanOrEqual(40);
    expect(TRANSCRIPT.filter((l) => l.dir === '>').length).toBeGreaterThanOrEqual(15);
  });

  it('every example frame decodes, its CRC is right and it fits 512 bytes (00000000 marks a deliberately wrong CRC)', () => {
    for (const f of FRAMES) {
      const body = f.slice(1, f.indexOf('*'));
      const r = decode(f);
      if (f.endsWith('*00000000')) {
        expect(r, f).toMatchObject({ error: 'BAD_CHECKSUM', id: 0 });
        continue;
      }
      expect(f.slice(-8), `${f}: the CRC of "${body}" is ${hex8(crc32(body))}`).toBe(hex8(crc32(body)));
      expect(r.error, f).toBeUndefined();
      expect(f.length + 1).toBeLessThanOrEqual(MAX_FRAME);
    }
  });

  it('transcripts: every reply echoes an open request, or carries id 0 for what the decoder refused in the line before', () => {
    let lastRequest: { text: string; frame?: Frame; error?: string; message?: string } | undefined;
    const open = new Set<number>(); // requests that have had no final reply yet
    let checkedDecoderErrors = 0;
    for (const line of TRANSCRIPT) {
      const r = decode(line.text);
      if (line.dir === '>') {
        lastRequest = { text: line.text, frame: r.frame, error: r.error, message: r.message };
        if (r.frame && r.frame.id > 0) open.add(r.frame.id);
        continue;
      }
      const reply = r.frame;
      expect(reply, line.text).toBeDefined();
      expect(Object.values(REPLY)).toContain(reply!.op);
      if (reply!.id === 0) {
        // The token could not take the previous line as a request: the decoder error (or id 0) must say exactly this.
        expect(reply!.op).toBe('ERR');
        expect(lastRequest, line.text).toBeDefined();
        const want = lastRequest!.frame ? 'BAD_FRAME' : lastRequest!.error;
        expect(reply!.args.code, `${lastRequest!.text} → ${line.text}`).toBe(want);
        if (want === 'BAD_CHECKSUM') expect(reply!.args.msg).toBe(lastRequest!.message);
        checkedDecoderErrors++;
      } else {
        expect(open.has(reply!.id), `${line.text} answers no open request`).toBe(true);
        if (reply!.op !== 'WAIT') open.delete(reply!.id);
      }
      if (reply!.op === 'ERR') expect(Object.values(ERROR)).toContain(parseErrorReply(reply!.args).value?.code);
      if (reply!.op === 'WAIT') expect(parseWaitReply(reply!.args)).toEqual({ value: 10 });
    }
    expect(open.size, `requests left without a final reply: ${[...open]}`).toBe(0);
    expect(checkedDecoderErrors).toBeGreaterThanOrEqual(3);
  });

  it('HELLO replies pass parseHello, and PROVISION replies carry the KCV of the seed sent', () => {
    const requests = new Map<number, Frame>();
    let hellos = 0;
    let kcvs = 0;
    for (const line of TRANSCRIPT) {
      const f = decode(line.text).frame;
      if (!f) continue;
      if (line.dir === '>') {
        requests.set(f.id, f);
        continue;
      }
      const req = requests.get(f.id);
      if (f.op !== 'OK' || !req) continue;
      if (req.op === 'HELLO') {
        expect(parseHello(f.args).error, line.text).toBeUndefined();
        hellos++;
      }
      if (req.op === 'PROVISION') {
        const p = parseProvisionArgs(req.args).value!;
        const reply = parseProvisionReply(f.args).value!;
        expect(reply.serial).toBe(p.serial);
        expect(reply.kcv).toBe(kcv(nobleHmac, p.algorithm, p.secret));
        kcvs++;
      }
    }
    expect(hellos).toBeGreaterThanOrEqual(2);
    expect(kcvs).toBe(1);
  });

  it('the KCV example of §10 is right', () => {
    const m = /`12345678901234567890`[\s\S]{0,120}?with SHA1 has KCV `([0-9A-F]{6})`/.exec(SPEC);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(kcv(nobleHmac, 'SHA1', new TextEncoder().encode('12345678901234567890')));
  });

  it('the error table lists exactly the error codes of messages.ts', () => {
    const section = SPEC.slice(SPEC.indexOf('## 9. Error codes'), SPEC.indexOf('## 10.'));
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.values(ERROR).sort());
  });

  it('states the numbers the code uses', () => {
    expect(SPEC).toContain('at most **512 bytes**');
    expect(SPEC).toContain('0xEDB88320');
    expect(SPEC).toContain('0xCBF43926');
    expect(hex8(crc32('123456789'))).toBe('CBF43926');
    expect(SPEC).toContain('`' + 'hwtotp-kcv-v1' + '`');
  });
});
