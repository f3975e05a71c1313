/**
 * GET /api/sim/stream over real HTTP, against a real simulated Pico (the firmware bundle on a
 * virtual clock, provisioned over its pty): an event-stream behind the operator key whose first event is the screen now,
 * text and pixels, and whose next event comes by itself when the firmware redraws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionToken, TokenClient } from '@hwtotp/verifier';
import { buildServer } from '@hwtotp/verifier/http';
import { startSimulator, defaultBundle, type Simulator } from '@hwtotp/tools/sim';
import { startApi, API_KEY, type Api } from './helpers.ts';

let api: Api;
let sim: Simulator;
let app: ReturnType<typeof buildServer>;
let url: string;

beforeAll(async () => {
  api = await startApi(0);
  sim = await startSimulator({ board: 'pico', clock: 'virtual', bundle: defaultBundle('pico') });
  // Provisioned, so that a press shows a code with its countdown bar.
  api.clock.ms = Math.floor(sim.hostTime()) * 1000;
  const client = await TokenClient.connect(sim.port);
  try {
    await provisionToken(api.verifier, client, { now: () => api.clock.ms });
  } finally {
    await client.close();
  }
  app = buildServer({ verifier: api.verifier, apiKey: API_KEY, sim: { screen: () => sim.screen(), press: () => sim.press(), screenPng: () => sim.pngBytes(1) } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await sim?.stop();
  await api?.close();
});

/** Reads SSE events off a fetch body until `n` have come. */
async function events(res: Response, n: number): Promise<{ event: string; data: { lines: string[]; png: string } }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: { event: string; data: { lines: string[]; png: string } }[] = [];
  let buf = '';
  while (out.length < n) {
    const r = await reader.read();
    if (r.done) break;
    buf += decoder.decode(r.value, { stream: true });
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) out.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return out;
}

describe('GET /api/sim/stream', () => {
  it('needs the operator key', async () => {
    const r = await fetch(url + '/api/sim/stream');
    expect(r.status).toBe(401);
  });

  it('sends the screen now, then each change as the firmware redraws it, pixels included', async () => {
    await sim.press();
    const res = await fetch(url + '/api/sim/stream', { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const got = events(res, 2);
    // The countdown bar moves on the token's clock: advance it, and the stream follows unasked.
    await new Promise((r) => setTimeout(r, 300));
    await sim.advance(3);
    const [first, second] = await got;
    expect(first!.event).toBe('screen');
    expect(first!.data.lines.join(' ')).toMatch(/\d{3} \d{3}/);
    expect(first!.data.png).toMatch(/^data:image\/png;base64,/);
    expect(second!.data.png).not.toBe(first!.data.png);
    expect(second!.data.png).toBe('data:image/png;base64,' + sim.pngBytes(1).toString('base64'));
  });
});
