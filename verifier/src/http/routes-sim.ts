/**
 * The "Virtual token" page's endpoints, present only when `serve` runs with an attached simulated
 * token (as `npm start` does): read the simulated screen, follow it as it changes, and press its
 * button. Behind the operator key like every management endpoint, since a press can confirm a wipe.
 *
 * GET /api/sim/stream is a Server-Sent Events stream (text/event-stream, one `screen` event per
 * change): each event carries the text lines and, when the simulator renders pixels, the PNG of
 * the screen as the firmware drew it, countdown bar included. The server looks at the screen every
 * SAMPLE_MS and sends only what changed, so an idle token costs nothing on the wire. The console
 * reads it with fetch() rather than EventSource, which cannot send the Authorization header.
 */
import type { FastifyInstance } from 'fastify';
import type { SimHandle } from './types.ts';

/** How often the stream samples the screen: the bar moves once a second, a press shows at once. */
const SAMPLE_MS = 200;

/** One frame: the text lines, and the pixels as a data: URL when the simulator renders them. */
function frame(sim: SimHandle): { lines: string[]; png: string | null } {
  const png = sim.screenPng ? 'data:image/png;base64,' + sim.screenPng().toString('base64') : null;
  return { lines: sim.screen(), png };
}

/** Registers GET /api/sim/screen, GET /api/sim/stream and POST /api/sim/press. */
export function registerSimRoutes(app: FastifyInstance, sim: SimHandle): void {
  app.get('/api/sim/screen', async () => frame(sim));
  app.post('/api/sim/press', async () => {
    await sim.press();
    // The firmware redraws from its button handler; give its timers one turn before reading.
    await new Promise((r) => setTimeout(r, 20));
    return frame(sim);
  });
  app.get('/api/sim/stream', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    // A hijacked reply skips the onSend hook, so its headers are set here.
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    let last = '';
    const send = () => {
      const data = JSON.stringify(frame(sim));
      if (data === last) return;
      last = data;
      res.write(`event: screen\ndata: ${data}\n\n`);
    };
    send();
    const timer = setInterval(send, SAMPLE_MS);
    // A comment line now and then keeps proxies from closing a quiet stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const stop = () => { clearInterval(timer); clearInterval(ping); };
    req.raw.on('close', stop);
    res.on('close', stop);
  });
}
