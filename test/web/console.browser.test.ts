/**
 * The web console in real Chromium (Debian's /usr/bin/chromium driven by playwright-core) against
 * the real server, a real SQLite registry, and a simulated Pico running the real firmware bundle,
 * provisioned over its pty. Every code typed is read off the token's screen.
 *
 * The token runs on a virtual clock; the verifier runs on a clock of its own that the test moves
 * in step with it (`tick`), except when only the token jumps: 5 minutes (the sign-in form asks for
 * the next code), then 15 more (beyond the auto-resync band: resync).
 *
 * Screenshots of each screen go to $HWTOTP_SHOTS (default: a temporary directory).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { toHex } from '@hwtotp/protocol';
import { openVerifier, provisionToken, TokenClient, type Verifier } from '@hwtotp/verifier';
import { buildServer, defaultAllowedHosts } from '@hwtotp/verifier/http';
import { startSimulator, defaultBundle, type Simulator } from '@hwtotp/tools/sim';

// The callbacks given to page.evaluate/waitForFunction run in the browser; these names are theirs.
declare const document: any;
declare const sessionStorage: any;

const KEY = 'browser-test-operator-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'hwtotp-browser-'));
const shots = process.env.HWTOTP_SHOTS || join(dir, 'shots');
mkdirSync(shots, { recursive: true });

let sim: Simulator;
let verifier: Verifier;
let app: ReturnType<typeof buildServer>;
let browser: Browser;
let page: Page;
let url: string;
let serial: string;
const clock = { ms: 0 };

/** Moves the token's clock and the server's together. */
async function tick(seconds: number): Promise<void> {
  await sim.advance(seconds);
  clock.ms += seconds * 1000;
}

/**
 * Presses the token's button and reads the code off its screen ("123 456" → "123456"). A lit
 * screen is redrawn on the firmware's next one-second tick, so a second passes first, on both
 * clocks, as it would for a person reaching for the button.
 */
async function readCode(): Promise<string> {
  await tick(1);
  // A code read 30 s after one read here is in the same place in the next step: leave it there.
  if (!inStep(3, 27)) await midStep();
  for (let i = 0; i < 3; i++) {
    if (i > 0) await tick(1);
    const m = /\b(\d{3}) (\d{3})\b/.exec((await sim.press()).join(' '));
    if (m) return m[1]! + m[2]!;
  }
  throw new Error(`no code on the token's screen: ${JSON.stringify(sim.screen())}`);
}

/** Whether the token's clock is between `lo` and `hi` seconds into its 30 s step. */
function inStep(lo: number, hi: number): boolean {
  const s = sim.time() % 30;
  return s >= lo && s < hi;
}

/**
 * Ticks whole seconds until the token's clock is 5 to 20 s into its step. The code on a lit screen
 * was drawn up to a second before it is read, so two codes read 30 s apart are one step apart only
 * if neither is read near a step's edge. The start time comes from the host's clock, and without
 * this a pair came out two steps apart in about one run in fifteen.
 */
async function midStep(): Promise<void> {
  for (let i = 0; i < 30 && !inStep(5, 20); i++) await tick(1);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Waits for a form's success or refusal and returns the success text (a refusal fails with its message). */
async function outcome(prefix: string): Promise<string> {
  await page.waitForFunction((p: string) => document.getElementById(p + '-ok').textContent !== '' || document.getElementById(p + '-alert').textContent !== '', prefix);
  expect(await page.textContent(`#${prefix}-alert`)).toBe('');
  return (await page.textContent(`#${prefix}-ok`))!;
}

/**
 * Moves the focus with Tab alone until it is on `target`: an element's id, its aria-label, or its
 * text. Fails, naming where the focus is, if Tab never gets there.
 */
async function tabTo(target: string): Promise<void> {
  const here = () => page.evaluate(() => {
    const el = document.activeElement;
    return [el?.id, el?.getAttribute?.('aria-label'), el?.textContent?.trim()];
  });
  for (let i = 0; i < 80; i++) {
    if ((await here()).includes(target)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached "${target}"; the focus is on ${JSON.stringify(await here())}`);
}

/** Follows one of the console's navigation links from the keyboard. */
async function navigate(label: string): Promise<void> {
  await tabTo(label);
  await page.keyboard.press('Enter');
}

/** Replaces the text of the focused field, as a person does: select all, then type. */
async function retype(text: string): Promise<void> {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

async function focusedId(): Promise<string> {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || '');
}

beforeAll(async () => {
  let bundle = defaultBundle('pico');
  if (!existsSync(bundle)) {
    const { buildFirmware } = await import('@hwtotp/tools/build');
    bundle = (await buildFirmware({ boards: ['pico'], buildDir: join(dir, 'build'), distDir: join(dir, 'dist') })).files.pico!;
  }
  [sim, browser] = await Promise.all([
    startSimulator({ board: 'pico', clock: 'virtual', bundle }),
    chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    }),
  ]);
  clock.ms = Math.floor(sim.hostTime()) * 1000;
  verifier = await openVerifier({ db: join(dir, 'registry.db'), masterKey: toHex(new Uint8Array(randomBytes(32))), now: () => clock.ms, env: {} });
  const client = await TokenClient.connect(sim.port);
  try {
    serial = (await provisionToken(verifier, client, { now: () => clock.ms })).serial;
  } finally {
    await client.close();
  }
  // With the Host check `serve` applies, so the browser is proven to pass it.
  app = buildServer({
    verifier, apiKey: KEY, allowedHosts: defaultAllowedHosts('127.0.0.1'),
    sim: { screen: () => sim.screen(), press: () => sim.press(), screenPng: () => sim.pngBytes(1) }, now: () => clock.ms,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
  page.on('pageerror', (e) => { throw e; });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await sim?.stop();
  await verifier?.close();
  if (!process.env.HWTOTP_SHOTS) rmSync(dir, { recursive: true, force: true });
});

it('takes the key from the URL fragment, then drops the fragment', async () => {
  await page.goto(`${url}#key=${encodeURIComponent(KEY)}`);
  await page.waitForSelector('body[data-ready="true"]');
  expect(new URL(page.url()).hash).toBe('#/assign');
  expect(await page.isVisible('#key-set')).toBe(true);
  expect(await page.evaluate(() => sessionStorage.getItem('hwtotp.apiKey'))).toBe(KEY);
  // Every form control has a label a screen reader announces.
  const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('input, button'))
    .filter((el: any) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()))
    .map((el: any) => el.id || el.outerHTML));
  expect(unlabelled).toEqual([]);
});

it('walks the Assign MFA device wizard with the keyboard only, with codes read off the token', async () => {
  await midStep(); // before the virtual token is on the page, so that it never shows an older code
  // Reach the first field by Tab alone.
  for (let i = 0; i < 20 && (await focusedId()) !== 'assign-user'; i++) await page.keyboard.press('Tab');
  expect(await focusedId()).toBe('assign-user');

  // Next with nothing typed: inline errors, focus on the first field at fault.
  await page.keyboard.press('Enter');
  expect(await page.textContent('#assign-user-error')).toBe('Enter the user name.');
  expect(await page.getAttribute('#assign-user', 'aria-invalid')).toBe('true');
  expect(await focusedId()).toBe('assign-user');
  await shot('1-assign-step1-errors');

  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  await page.keyboard.type('desk-token');
  await page.keyboard.press('Enter');
  expect(await focusedId()).toBe('Step 2: Select MFA device');
  await page.keyboard.press('Tab');
  expect(await focusedId()).toBe('assign-kind-hw');
  await page.keyboard.press('Space');
  await shot('2-assign-step2');
  await page.keyboard.press('Enter');
  expect(await focusedId()).toBe('Step 3: Set up device');
  expect(await page.getAttribute('[data-step-marker="3"]', 'aria-current')).toBe('step');
  expect(Number(await page.textContent('#screen-assign .countdown-seconds'))).toBeGreaterThan(0);

  // The virtual token sits beside the form: press it from the keyboard and read code 1 off it.
  await page.keyboard.press('Tab');
  expect(await focusedId()).toBe('Press the virtual token');
  await tick(1);
  await page.keyboard.press('Enter');
  const mini = 'fieldset[data-step="3"] [data-oled]';
  await page.waitForFunction((sel: string) => /\d{3} \d{3}/.test(document.querySelector(sel).textContent), mini);
  const code1 = /(\d{3}) (\d{3})/.exec((await page.textContent(mini))!)!.slice(1).join('');
  expect(code1).toBe(/(\d{3}) (\d{3})/.exec(sim.screen().join(' '))!.slice(1).join(''));
  await page.keyboard.press('Tab');
  await page.keyboard.type('HWT000009999'); // a serial the registry does not hold
  await page.keyboard.press('Tab');
  await page.keyboard.type(code1.slice(0, 3) + ' ' + code1.slice(3)); // as the token groups it
  await page.keyboard.press('Tab');
  await page.keyboard.type(code1);
  await page.keyboard.press('Enter');
  // The same code twice is caught before the server is asked.
  expect(await page.textContent('#assign-code2-error')).toMatch(/must be the next code/);
  expect(await focusedId()).toBe('assign-code2');

  await tick(29); // + the second readCode() lets pass: code 2 is read exactly 30 s after code 1
  const code2 = await readCode();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(code2);
  await page.keyboard.press('Enter');
  // The server's refusal lands on the serial field, which takes the focus.
  await page.waitForFunction(() => document.getElementById('assign-serial-error')!.textContent !== '');
  expect(await page.textContent('#assign-serial-error')).toMatch(/HWT000009999/);
  expect(await page.textContent('#assign-alert')).toMatch(/HWT000009999/);
  expect(await focusedId()).toBe('assign-serial');
  await shot('3-assign-step3-no-such-serial');

  await page.keyboard.press('Control+A');
  await page.keyboard.type(serial);
  await shot('4-assign-step3-filled');
  await page.keyboard.press('Tab'); // Enter in the serial field would pick the suggestion list's entry
  await page.keyboard.press('Enter');
  await page.waitForSelector('#assign-done:not([hidden])');
  expect(await page.textContent('#assign-done-text')).toContain(`Token ${serial} (desk-token) is now the MFA device of alice`);
  expect(await focusedId()).toBe('MFA device assigned');
  await shot('5-assign-done');
  expect((await verifier.token(serial)).user).toBe('alice');
});

it('signs in, refuses the same code again, asks for the next code after a 5-minute jump, refuses 20 minutes off (keyboard only)', async () => {
  await navigate('Sign in with MFA');
  expect(await page.inputValue('#signin-user')).toBe('alice');
  await tick(30);
  const code = await readCode();
  await tabTo('signin-code');
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  expect(await outcome('signin')).toBe(`Signed in: the code was accepted (token ${serial}).`);
  await shot('6-signin-ok');

  await tabTo('signin-code');
  await retype(code);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('signin-code-error')!.textContent !== '');
  expect(await page.textContent('#signin-code-error')).toMatch(/already used/);
  expect(await page.getAttribute('#signin-code', 'aria-invalid')).toBe('true');
  expect(await page.textContent('#signin-ok')).toBe('');
  await shot('7-signin-replay-refused');

  // Only the token's clock jumps: 5 minutes ahead of the server is inside the auto-resync band,
  // so the form asks for the next code, and that code signs in.
  await sim.advance(300);
  await tick(30);
  const jumped = await readCode();
  await tabTo('signin-code');
  await retype(jumped);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#signin-next:not([hidden])');
  expect(await page.textContent('label[for="signin-code"]')).toBe('Next MFA code');
  expect(await focusedId()).toBe('signin-code');
  expect(await page.inputValue('#signin-code')).toBe('');
  expect(await page.textContent('#signin-alert')).toBe('');
  await shot('8a-signin-next-code-asked');
  await tick(29);
  const following = await readCode();
  await page.keyboard.type(following);
  await page.keyboard.press('Enter');
  expect(await outcome('signin')).toBe(`Signed in: the code was accepted (token ${serial}).`);
  expect(await page.isHidden('#signin-next')).toBe(true);
  expect(await page.textContent('label[for="signin-code"]')).toBe('MFA code');
  expect((await verifier.token(serial)).driftNowSteps).toBe(10);

  await sim.advance(900); // 15 minutes more: 20 minutes ahead, beyond the band
  await tick(30);
  const drifted = await readCode();
  await tabTo('signin-code');
  await retype(drifted);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /not valid/.test(document.getElementById('signin-code-error')!.textContent!));
  expect(await page.textContent('#signin-alert')).toMatch(/not valid for token .* the token's clock may have drifted: resync it/);
  await shot('8-signin-drifted-refused');
});

it('resyncs the drifted token with two consecutive codes, then signs in again (keyboard only)', async () => {
  await navigate('Resync');
  expect(await page.inputValue('#resync-serial')).toBe(serial);
  const code1 = await readCode();
  await tabTo('resync-code1');
  await page.keyboard.type(code1);
  await tick(29);
  const code2 = await readCode();
  await tabTo('resync-code2');
  await page.keyboard.type(code2);
  await page.keyboard.press('Enter');
  expect(await outcome('resync')).toBe(`Token ${serial} is back in sync. Its clock is 20 min ahead. Sign in with its next code.`);
  await shot('9-resync-ok');

  await navigate('Sign in with MFA');
  await tick(30);
  const next = await readCode();
  await tabTo('signin-code');
  await retype(next);
  await page.keyboard.press('Enter');
  expect(await outcome('signin')).toContain('Signed in');
});

it('lists tokens with state, user, device, last use and lock, and deactivates one (keyboard only)', async () => {
  await navigate('Tokens');
  const row = page.locator('#tokens-table tbody tr', { hasText: serial });
  await row.waitFor();
  // The clock column: the model's drift now (the rate appears once sign-ins far apart fit one).
  expect((await row.locator('td').allTextContents()).slice(0, 6)).toEqual(['assigned', 'alice', 'desk-token', 'just now', '20 min ahead', 'Not locked']);
  await shot('10-tokens');
  // The token's history: the whole story of this suite, newest first.
  await tabTo(`History of ${serial}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#history:not([hidden])');
  expect(await focusedId()).toBe('history-title');
  expect(await page.textContent('#history-title')).toBe(`History of ${serial}`);
  const cells = await page.locator('#history-table tbody tr').evaluateAll((trs: any[]) =>
    trs.map((tr) => Array.from(tr.children).slice(1, 3).map((td: any) => td.textContent).join(' ')));
  expect(cells.reverse()).toEqual(expect.arrayContaining(['enable ok', 'check accepted', 'check refused (replay)', 'check refused (wrong-code)', 'resync ok']));
  await shot('10b-tokens-history');
  await tabTo(`Deactivate ${serial} of alice`);
  await page.keyboard.press('Enter');
  expect(await focusedId()).toBe('Yes, deactivate');
  await shot('11-tokens-confirm');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('tokens-ok')!.textContent !== '');
  expect(await page.textContent('#tokens-ok')).toBe(`Deactivated ${serial}: it is no longer an MFA device of alice.`);
  await page.locator('#tokens-table tbody tr', { hasText: 'unassigned' }).waitFor();
  expect((await verifier.token(serial)).state).toBe('unassigned');
  await shot('12-tokens-deactivated');
});

it('shows the simulated screen live on the Virtual token page, pixels and countdown bar pushed over SSE, and presses the button', async () => {
  await page.click('a[data-nav="virtual"]');
  await tick(60); // the screen has gone dark
  await page.click('#virtual-press');
  // The status is written from the press's own reply (the stream may have drawn an older screen first).
  await page.waitForFunction(() => document.getElementById('virtual-status')!.textContent !== '');
  const onToken = /(\d{3} \d{3})/.exec(sim.screen().join(' '))![1]!;
  expect(await page.textContent('#virtual-status')).toBe(`The token shows ${onToken}.`);
  await page.waitForFunction((c: string) => document.getElementById('virtual-screen')!.textContent!.includes(c), onToken);
  await shot('13-virtual-token');

  // The pixels the firmware drew, one PNG pixel per screen pixel: exactly the simulator's own.
  const img = '#virtual-screen img';
  await page.waitForFunction((want: string) => document.querySelector('#virtual-screen img')?.getAttribute('src') === want,
    'data:image/png;base64,' + sim.pngBytes(1).toString('base64'));
  expect(await page.evaluate(() => [document.querySelector('#virtual-screen img').naturalWidth, document.querySelector('#virtual-screen img').naturalHeight]))
    .toEqual([sim.pngBytes(1).readUInt32BE(16), sim.pngBytes(1).readUInt32BE(20)]); // the PNG header's width and height
  expect(sim.pngBytes(1).readUInt32BE(16)).toBe(128);
  expect(await page.getAttribute(img, 'alt')).toContain(onToken);
  // Pushed, not polled: the countdown bar moves on the token's clock and the page follows it over
  // the event stream, with no request of its own for the screen.
  const screenRequests: string[] = [];
  const onRequest = (r: { url(): string }) => { if (r.url().includes('/api/sim/screen')) screenRequests.push(r.url()); };
  page.on('request', onRequest);
  const before = sim.pngBytes(1).toString('base64');
  await tick(4);
  const after = sim.pngBytes(1).toString('base64');
  expect(after).not.toBe(before); // the bar shrank
  await page.waitForFunction((want: string) => document.querySelector('#virtual-screen img')?.getAttribute('src') === want, 'data:image/png;base64,' + after);
  page.off('request', onRequest);
  expect(screenRequests).toEqual([]);
  await shot('13b-virtual-token-pixels');
});

it('asks for the key when the tab has none, and the server refuses without it', async () => {
  const fresh = await browser.newPage();
  await fresh.goto(`${url}#/tokens`);
  await fresh.waitForSelector('body[data-ready="true"]');
  await fresh.waitForFunction(() => document.getElementById('key-error')!.textContent !== '');
  expect(await fresh.isVisible('#key-form')).toBe(true);
  expect(await fresh.evaluate(() => document.activeElement?.id)).toBe('api-key');
  await fresh.screenshot({ path: join(shots, '14-no-key.png') });
  await fresh.fill('#api-key', KEY);
  await fresh.keyboard.press('Enter');
  await fresh.locator('#tokens-table tbody tr', { hasText: serial }).waitFor();
  await fresh.close();
});
