/**
 * find: which token shows two consecutive codes now; the CLI command; audited; none or several
 * refused; and find's sealed index of seeds (find-index.ts), on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { kcv, nobleHmac } from '@hwtotp/protocol/host';
import { openStore, type TokenStore } from '@hwtotp/verifier';
import { SeedIndex } from '../../verifier/src/find-index.ts';
import { KEY_HEX, STORES, codeAt, refusal, rig, token, type Rig } from './helpers.ts';
import { runMain } from '../helpers/cli.ts';

const A = token('HWT-FIND-0001');
const B = token('HWT-FIND-0002');
const C = token('HWT-FIND-0003');

describe.each(STORES)('find on %s', (kind) => {
let r: Rig;
/** A second connection to the same registry, to look at and change what find stores. */
let store: TokenStore;
beforeEach(async () => {
  r = await rig({ masterKey: KEY_HEX }, kind);
  await r.v.importTokens([A, B, C]);
  store = await openStore(r.db, {});
});
afterEach(async () => { await store.close(); await r.close(); });

/** The audit detail of the newest find. */
async function lastFind(): Promise<{ [k: string]: unknown }> {
  return (await r.v.audit({ action: 'find' }))[0]!.detail!;
}

describe('find', () => {
  it('names an unassigned token, and an assigned one even at a step it already used', async () => {
    expect(await r.v.find(codeAt(B, r.clock.ms, 0), codeAt(B, r.clock.ms, 1)))
      .toEqual({ serial: B.serial, state: 'unassigned', user: null, driftSteps: 1 });
    await r.v.enable('ann', 'desk', A.serial, codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0));
    expect(await r.v.find(codeAt(A, r.clock.ms, -1), codeAt(A, r.clock.ms, 0)))
      .toEqual({ serial: A.serial, state: 'assigned', user: 'ann', driftSteps: 0 });
    // A lookup writes nothing to the token.
    expect((await r.v.token(A.serial)).failures).toBe(0);
    const [audit] = await r.v.audit({ action: 'find' });
    expect(audit).toMatchObject({ serial: A.serial, outcome: 'ok', detail: { tokens: 3, matches: 1, searched: 'window', driftSteps: 0 } });
  });

  it('searches the resync window around each token\'s own prediction: 6 hours off is found, 25 hours is not', async () => {
    expect((await r.v.find(codeAt(C, r.clock.ms, -720), codeAt(C, r.clock.ms, -719))).serial).toBe(C.serial);
    const e = await refusal(() => r.v.find(codeAt(C, r.clock.ms, 3000), codeAt(C, r.clock.ms, 3001)));
    expect([e.name, e.httpStatus]).toEqual(['NoSuchEntity', 404]);
    const [audit] = await r.v.audit({ action: 'find' });
    expect(audit).toMatchObject({ serial: null, outcome: 'refused', reason: 'none', detail: { matches: 0, searched: 'resync-window' } });
  });

  it('two tokens with the same seed both match: refused as AmbiguousMatch naming both', async () => {
    const twin = { ...token('HWT-FIND-TWIN'), secret: A.secret };
    await r.v.importTokens([twin]);
    const e = await refusal(() => r.v.find(codeAt(A, r.clock.ms, 0), codeAt(A, r.clock.ms, 1)));
    expect([e.name, e.httpStatus]).toEqual(['AmbiguousMatch', 409]);
    expect(e.message).toMatch(/2 tokens.*HWT-FIND-0001.*HWT-FIND-TWIN/);
  });

  it('refuses bad codes with a ValidationError, and a pending token is never named', async () => {
    for (const [c1, c2] of [['12345', '123456'], ['123456', '1234567'], ['abcdef', '123456']]) {
      expect((await refusal(() => r.v.find(c1!, c2!))).name).toBe('ValidationError');
    }
    const P = token('HWT-FIND-PEND');
    await r.v.addPending(P);
    expect((await refusal(() => r.v.find(codeAt(P, r.clock.ms, 0), codeAt(P, r.clock.ms, 1)))).name).toBe('NoSuchEntity');
  });

  it('past findWideBudget, the second pass covers the auto-resync band unless asked for the whole resync window', async () => {
    await r.close();
    r = await rig({ masterKey: KEY_HEX, findWideBudget: 3 * 5761 - 1 }, kind); // just below three tokens' ±1 day
    await r.v.importTokens([A, B, C]);
    expect((await r.v.find(codeAt(B, r.clock.ms, 15), codeAt(B, r.clock.ms, 16))).driftSteps).toBe(16);
    expect(await lastFind()).toMatchObject({ tokens: 3, matches: 1, searched: 'band' });
    const e = await refusal(() => r.v.find(codeAt(B, r.clock.ms, 100), codeAt(B, r.clock.ms, 101)));
    expect([e.name, e.httpStatus]).toEqual(['NoSuchEntity', 404]);
    expect(e.message).toMatch(/within ±20 steps of its expected clock; check the codes, or search the whole ±86400 s resync window of all 3 tokens \(17,283 HMACs, about \d+ s here\) with --wide/);
    expect((await r.v.find(codeAt(B, r.clock.ms, 100), codeAt(B, r.clock.ms, 101), { wide: true })).driftSteps).toBe(101);
    expect(await lastFind()).toMatchObject({ searched: 'resync-window' });
    expect((await refusal(() => r.v.find('123456', '123456', { wide: 'yes' as never }))).name).toBe('ValidationError');
  });

  it('the slow pass gives the event loop turns: timers keep firing during a resync-window search', async () => {
    await r.v.importTokens(Array.from({ length: 150 }, (_, i) => token(`HWT-LOOP-${String(i).padStart(4, '0')}`)));
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    try {
      await refusal(() => r.v.find('000000', '000000')); // 153 tokens × 5,761 steps, searched in full
    } finally {
      clearInterval(timer);
    }
    expect(await lastFind()).toMatchObject({ tokens: 153, searched: 'resync-window' });
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('hwtotp find exits 0 with the serial, 1 when none matches, 2 without --code2', async () => {
    const run = (...argv: string[]) => runMain({ HWTOTP_DB: r.db, HWTOTP_MASTER_KEY: KEY_HEX }, argv);
    // The CLI reads the real clock: codes of now.
    const now = Date.now();
    let x = await run('find', '--code', codeAt(B, now, 0), '--code2', codeAt(B, now, 1), '--json');
    expect(x.code).toBe(0);
    expect(JSON.parse(x.out)).toMatchObject({ serial: B.serial, state: 'unassigned', user: null });
    x = await run('find', '--code', codeAt(B, now, 0), '--code2', codeAt(B, now, 1));
    expect([x.code, x.out]).toEqual([0, `${B.serial}  unassigned, drift 1 steps`]);
    x = await run('find', '--code', '000000', '--code2', '000000');
    expect([x.code, x.err]).toEqual([1, expect.stringMatching(/^hwtotp find: NoSuchEntity: no token shows these two consecutive codes/)]);
    x = await run('find', '--code', '000000');
    expect([x.code, x.err]).toEqual([2, expect.stringMatching(/--code2 is required/)]);
    // Past the budget (here set through its environment variable), --wide searches the whole window.
    const far = ['--code', codeAt(B, now, 100), '--code2', codeAt(B, now, 101)];
    const budget = { HWTOTP_DB: r.db, HWTOTP_MASTER_KEY: KEY_HEX, HWTOTP_FIND_WIDE_BUDGET: '1' };
    x = await runMain(budget, ['find', ...far]);
    expect([x.code, x.err]).toEqual([1, expect.stringMatching(/within ±20 steps .* with --wide/)]);
    x = await runMain(budget, ['find', ...far, '--wide', '--json']);
    expect([x.code, JSON.parse(x.out).serial]).toEqual([0, B.serial]);
  });
});

describe("find's index", () => {
  it('an import seals its seeds into the index: the lookup reads all three from it, and no seed is in it in the clear', async () => {
    const { blob } = await store.getFindIndex();
    expect(blob).not.toBeNull();
    for (const t of [A, B, C]) expect(Buffer.from(blob!).indexOf(Buffer.from(t.secret))).toBe(-1);
    expect(SeedIndex.open(Buffer.from(KEY_HEX, 'hex'), blob).fromBlob).toBe(3);
    await r.v.find(codeAt(C, r.clock.ms, 0), codeAt(C, r.clock.ms, 1));
    expect(await lastFind()).toMatchObject({ tokens: 3, matches: 1, fromIndex: 3 });
  });

  it('a token provisioned since is found all the same, and that lookup adds it to the index', async () => {
    const P = token('HWT-FIND-PROV');
    await r.v.addPending(P);
    await r.v.markReady(P.serial, kcv(nobleHmac, 'SHA1', P.secret));
    expect((await r.v.find(codeAt(P, r.clock.ms, 0), codeAt(P, r.clock.ms, 1))).serial).toBe(P.serial);
    expect(await lastFind()).toMatchObject({ tokens: 4, fromIndex: 3 });
    await r.v.find(codeAt(P, r.clock.ms, 0), codeAt(P, r.clock.ms, 1));
    expect(await lastFind()).toMatchObject({ tokens: 4, fromIndex: 4 });
  });

  it('deleting a token that is not pending clears the index and bumps its epoch, so an index read before is refused; removing a pending one leaves it', async () => {
    const before = await store.getFindIndex();
    const P = token('HWT-FIND-PEND');
    await r.v.addPending(P);
    await r.v.removePending(P.serial);
    expect(await store.getFindIndex()).toEqual(before);
    expect(await store.deleteToken(A.serial, {}, [])).toBe(true);
    const after = await store.getFindIndex();
    expect(after).toEqual({ blob: null, epoch: before.epoch + 1 });
    // An index built from rows read before the delete still holds A's seed: refused.
    expect(await store.putFindIndex(before.blob!, before.epoch)).toBe(false);
    expect((await store.getFindIndex()).blob).toBeNull();
    // The next lookup builds it again from the rows, without A.
    await r.v.find(codeAt(B, r.clock.ms, 0), codeAt(B, r.clock.ms, 1));
    expect(await lastFind()).toMatchObject({ tokens: 2, fromIndex: 0 });
    expect(SeedIndex.open(Buffer.from(KEY_HEX, 'hex'), (await store.getFindIndex()).blob).fromBlob).toBe(2);
  });

  it('a lookup racing a delete never stores the deleted seed back into the index', async () => {
    const many = Array.from({ length: 8 }, (_, i) => token(`HWT-RACE-${String(i).padStart(4, '0')}`));
    await r.v.importTokens(many);
    const key = Buffer.from(KEY_HEX, 'hex');
    for (const [i, gone] of many.entries()) {
      // The index holds every seed, then one provisioned token it lacks: the lookup below opens the
      // index, adds that token and stores the index again, while `gone` is deleted.
      await refusal(() => r.v.find('000000', '000000'));
      const P = token(`HWT-RACE-P${i}`);
      await r.v.addPending(P);
      await r.v.markReady(P.serial, kcv(nobleHmac, 'SHA1', P.secret));
      await Promise.all([refusal(() => r.v.find('000000', '000000')), store.deleteToken(gone.serial, {}, [])]);
      const index = SeedIndex.open(key, (await store.getFindIndex()).blob);
      for (const t of many.slice(0, i + 1)) expect(index.seed(t.serial)).toBeUndefined();
      index.wipe();
    }
  });

  it('an index that does not open (damaged, or sealed under another master key) is built again from the rows', async () => {
    const { epoch } = await store.getFindIndex();
    const other = new SeedIndex();
    other.add(B.serial, Buffer.from(B.secret));
    for (const blob of [randomBytes(120), other.seal(randomBytes(32))]) {
      expect(await store.putFindIndex(blob, epoch)).toBe(true);
      expect((await r.v.find(codeAt(B, r.clock.ms, 0), codeAt(B, r.clock.ms, 1))).serial).toBe(B.serial);
      expect(await lastFind()).toMatchObject({ tokens: 3, fromIndex: 0 });
      await r.v.find(codeAt(B, r.clock.ms, 0), codeAt(B, r.clock.ms, 1));
      expect(await lastFind()).toMatchObject({ fromIndex: 3 });
    }
  });

  it('the answer never rests on the index alone: an index giving A the seed of B still names only B', async () => {
    const wrong = new SeedIndex();
    for (const [serial, secret] of [[A.serial, B.secret], [B.serial, B.secret], [C.serial, C.secret]] as const) wrong.add(serial, Buffer.from(secret));
    expect(await store.putFindIndex(wrong.seal(Buffer.from(KEY_HEX, 'hex')), (await store.getFindIndex()).epoch)).toBe(true);
    expect((await r.v.find(codeAt(B, r.clock.ms, 0), codeAt(B, r.clock.ms, 1))).serial).toBe(B.serial);
    expect(await lastFind()).toMatchObject({ tokens: 3, matches: 1, fromIndex: 3 });
  });
});
});

describe('find over damaged rows (SQLite)', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
    await r.v.importTokens([A, B, C, token('HWT-FIND-0004'), token('HWT-FIND-0005')]);
  });
  afterEach(async () => r.close());

  it('passes over rows that do not decode and still names the token sought', async () => {
    const raw = new Database(r.db);
    raw.prepare("UPDATE tokens SET period = 0 WHERE serial = ?").run(A.serial);
    raw.prepare("UPDATE tokens SET clock_model = 'not a model' WHERE serial = ?").run(C.serial);
    raw.prepare("UPDATE tokens SET serial = X'00ff' WHERE serial = 'HWT-FIND-0004'").run();
    raw.prepare("UPDATE tokens SET algorithm = X'01' WHERE serial = 'HWT-FIND-0005'").run();
    raw.close();
    expect((await r.v.find(codeAt(B, r.clock.ms, 0), codeAt(B, r.clock.ms, 1))).serial).toBe(B.serial);
    expect((await r.v.audit({ action: 'find' }))[0]!.detail).toMatchObject({ tokens: 1, matches: 1 });
  });
});
