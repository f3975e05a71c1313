/** Registry writes and views: provisioning phases, import/export, serial counter, deactivate, list, token, audit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kcv, nobleHmac } from '@hwtotp/protocol/host';
import { STORES, codeAt, enrolled, refusal, rig, seed, token, type Rig } from './helpers.ts';

describe.each(STORES)('on %s', (store) => {
  let r: Rig;
  beforeEach(async () => { r = await rig({}, store); });
  afterEach(async () => r.close());

  describe('provisioning phases', () => {
    it('addPending → markReady with the right KCV makes the token usable; the wrong KCV keeps it pending', async () => {
      const P = token('HWT-PROV-0001', { algorithm: 'SHA256' });
      await r.v.addPending(P);
      expect(await r.v.token(P.serial)).toMatchObject({ state: 'pending', origin: 'provisioned', kcv: null });
      expect((await refusal(() => r.v.addPending(P))).name).toBe('EntityAlreadyExists');
      const right = kcv(nobleHmac, 'SHA256', P.secret);
      const wrong = right === 'ABCDEF' ? '123456' : 'ABCDEF';
      const e = await refusal(() => r.v.markReady(P.serial, wrong));
      expect(e.name).toBe('ValidationError');
      expect(e.message).toMatch(/did not arrive intact/);
      expect((await r.v.token(P.serial)).state).toBe('pending');
      await r.v.markReady(P.serial, right.toLowerCase());
      expect(await r.v.token(P.serial)).toMatchObject({ state: 'unassigned', kcv: right });
      expect((await refusal(() => r.v.markReady(P.serial, right))).message).toMatch(/not pending/);
      await r.v.enable('alice', 'k', P.serial, codeAt(P, r.clock.ms, -1), codeAt(P, r.clock.ms, 0));
      const audit = await r.v.audit({ serial: P.serial, action: 'provision' });
      expect(audit.map((a) => [a.outcome, a.reason])).toEqual([['ok', 'ready'], ['refused', 'kcv-mismatch'], ['ok', 'pending']]);
    });

    it('removePending forgets a failed provisioning, and only a pending token', async () => {
      const P = token('HWT-PROV-0002');
      await r.v.addPending(P);
      await r.v.removePending(P.serial);
      expect((await refusal(() => r.v.token(P.serial))).name).toBe('NoSuchEntity');
      expect((await refusal(() => r.v.removePending(P.serial))).name).toBe('NoSuchEntity');
      await r.v.importTokens([P]);
      expect((await refusal(() => r.v.removePending(P.serial))).message).toMatch(/unassigned, not pending/);
    });

    it('nextSerial is a counter per prefix', async () => {
      expect([await r.v.nextSerial('HWT'), await r.v.nextSerial('HWT'), await r.v.nextSerial('ABC'), await r.v.nextSerial('HWT')]).toEqual([1, 2, 1, 3]);
      expect((await refusal(() => r.v.nextSerial('bad prefix'))).name).toBe('ValidationError');
    });
  });

  describe('import and export', () => {
    it('imports all or nothing: a duplicate serial (in the db or in the batch) writes nothing', async () => {
      await r.v.importTokens([token('HWT-IMP-00001')]);
      let e = await refusal(() => r.v.importTokens([token('HWT-IMP-00002'), token('HWT-IMP-00001')]));
      expect([e.name, e.serial]).toEqual(['EntityAlreadyExists', 'HWT-IMP-00001']);
      e = await refusal(() => r.v.importTokens([token('HWT-IMP-00003'), token('HWT-IMP-00003')]));
      expect(e.name).toBe('EntityAlreadyExists');
      e = await refusal(() => r.v.importTokens([token('HWT-IMP-00004'), { serial: 'HWT-IMP-00005', secret: new Uint8Array(8) }]));
      expect([e.name, e.message]).toEqual(['ValidationError', 'token HWT-IMP-00005: secret must be 16 to 64 bytes, got 8']);
      expect((await r.v.list()).map((t) => t.serial)).toEqual(['HWT-IMP-00001']);
      expect((await r.v.audit({ action: 'import' })).length).toBe(1);
    });

    it('validates every field with a message naming the token', async () => {
      const bad: [object, RegExp][] = [
        [{ serial: 'x', secret: seed('x') }, /serial must be 9 to 64/],
        [{ serial: 'HWT-BAD-0001', secret: 'abc' }, /secret must be bytes/],
        [{ serial: 'HWT-BAD-0001', secret: seed('a'), algorithm: 'MD5' }, /algorithm must be SHA1, SHA256 or SHA512$/],
        [{ serial: 'HWT-BAD-0001', secret: seed('a'), digits: 5 }, /digits must be from 6 to 8, got 5/],
        [{ serial: 'HWT-BAD-0001', secret: seed('a'), period: 0 }, /period must be from 1 to 3600, got 0/],
        [{ serial: 'HWT-BAD-0001', secret: seed('a'), kcv: '000000' }, /key check value 000000 does not match/],
      ];
      for (const [t, msg] of bad) {
        const e = await refusal(() => r.v.importTokens([t as never]));
        expect(e.name).toBe('ValidationError');
        expect(e.message).toMatch(msg);
      }
    });

    it('exports seeds and parameters, audited; an unknown serial is NoSuchEntity', async () => {
      const A = token('HWT-EXP-00001', { digits: 8, period: 60, manufacturer: 'hwtotp', model: 'pico' });
      const B = token('HWT-EXP-00002', { algorithm: 'SHA512' });
      await r.v.importTokens([A, B]);
      await r.v.addPending(token('HWT-EXP-PEND1'));
      const all = await r.v.exportTokens();
      expect(all.map((t) => t.serial)).toEqual([A.serial, B.serial]);
      expect(all[0]).toMatchObject({ digits: 8, period: 60, algorithm: 'SHA1', manufacturer: 'hwtotp', model: 'pico', origin: 'imported', state: 'unassigned' });
      expect(Buffer.from(all[0]!.secret).equals(Buffer.from(A.secret))).toBe(true);
      expect(Buffer.from(all[1]!.secret).equals(Buffer.from(B.secret))).toBe(true);
      expect((await r.v.exportTokens([B.serial])).map((t) => t.serial)).toEqual([B.serial]);
      expect((await refusal(() => r.v.exportTokens(['HWT-EXP-NONE1']))).name).toBe('NoSuchEntity');
      expect((await r.v.audit({ action: 'export' })).length).toBe(3);
    });
  });

  describe('deactivate, disable, list, token, audit', () => {
    it('deactivate frees the token for another user; only its user may deactivate it', async () => {
      const A = token('HWT-DEACT-001');
      await enrolled(r, A);
      expect((await refusal(() => r.v.deactivate('bob', A.serial))).name).toBe('NoSuchEntity');
      expect((await refusal(() => r.v.deactivate('alice', 'HWT-NONE-0001'))).name).toBe('NoSuchEntity');
      await r.v.deactivate('alice', A.serial);
      expect(await r.v.token(A.serial)).toMatchObject({ state: 'unassigned', user: null, deviceName: null, enableDate: null });
      expect((await refusal(() => r.v.check('alice', codeAt(A, r.clock.ms, 1)))).name).toBe('NoSuchEntity');
      r.clock.ms += 60_000;
      await r.v.enable('bob', 'k', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
      expect((await r.v.audit({ serial: A.serial, action: 'deactivate' }))[0]).toMatchObject({ user: 'alice', outcome: 'ok' });
    });

    it('list shows users, device names, dates and states, never a seed; filtered by user', async () => {
      const A = token('HWT-LIST-0001'), B = token('HWT-LIST-0002');
      await r.v.importTokens([A, B]);
      await r.v.enable('alice', 'desk', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
      const all = await r.v.list();
      expect(all).toEqual([
        { serial: A.serial, user: 'alice', deviceName: 'desk', enableDate: new Date(r.clock.ms).toISOString(), state: 'assigned', lastUsed: null, lockedUntil: null, driftNowSteps: 0, ratePpm: null },
        { serial: B.serial, user: null, deviceName: null, enableDate: null, state: 'unassigned', lastUsed: null, lockedUntil: null, driftNowSteps: 0, ratePpm: null },
      ]);
      expect(await r.v.list('alice')).toEqual([all[0]]);
      expect(await r.v.list('nobody')).toEqual([]);
      const hex = Buffer.from(A.secret).toString('hex');
      expect(JSON.stringify([all, await r.v.token(A.serial), await r.v.audit()])).not.toContain(hex);
    });

    it('the audit log never holds a seed or a code, and filters by serial, user and action with a limit', async () => {
      const A = token('HWT-AUDIT-001');
      await r.v.importTokens([A]);
      const c1 = codeAt(A, r.clock.ms, -1), c2 = codeAt(A, r.clock.ms, 0);
      await r.v.enable('alice', 'k', A.serial, c1, c2);
      r.clock.ms += 30_000;
      const c3 = codeAt(A, r.clock.ms, 0);
      await r.v.check('alice', c3);
      await refusal(() => r.v.check('alice', c3));
      const rows = await r.v.audit();
      const text = JSON.stringify(rows);
      for (const c of [c1, c2, c3, Buffer.from(A.secret).toString('hex')]) expect(text).not.toContain(c);
      expect(rows.map((x) => x.action)).toEqual(['check', 'check', 'enable', 'import']);
      expect((await r.v.audit({ user: 'alice', limit: 1 })).map((x) => x.reason)).toEqual(['replay']);
      expect((await refusal(() => r.v.audit({ limit: 0 }))).name).toBe('ValidationError');
    });
  });
});
