/** find: which token shows two consecutive codes now; the CLI command; audited; none or several refused. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeAt, refusal, rig, token, type Rig } from './helpers.ts';
import { runMain } from '../helpers/cli.ts';

const A = token('HWT-FIND-0001');
const B = token('HWT-FIND-0002');
const C = token('HWT-FIND-0003');
let r: Rig;
beforeEach(async () => {
  r = await rig();
  await r.v.importTokens([A, B, C]);
});
afterEach(async () => r.close());

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
    expect(audit).toMatchObject({ serial: A.serial, outcome: 'ok', detail: { tokens: 3, matches: 1, wide: false, driftSteps: 0 } });
  });

  it('searches the resync window around each token\'s own prediction: 6 hours off is found, 25 hours is not', async () => {
    expect((await r.v.find(codeAt(C, r.clock.ms, -720), codeAt(C, r.clock.ms, -719))).serial).toBe(C.serial);
    const e = await refusal(() => r.v.find(codeAt(C, r.clock.ms, 3000), codeAt(C, r.clock.ms, 3001)));
    expect([e.name, e.httpStatus]).toEqual(['NoSuchEntity', 404]);
    const [audit] = await r.v.audit({ action: 'find' });
    expect(audit).toMatchObject({ serial: null, outcome: 'refused', reason: 'none', detail: { matches: 0, wide: true } });
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

  it('hwtotp find exits 0 with the serial, 1 when none matches, 2 without --code2', async () => {
    await r.v.close();
    const run = (...argv: string[]) => runMain({ HWTOTP_DB: r.db }, argv); // the key file beside the db
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
    r = await rig(); // for afterEach
  });
});
