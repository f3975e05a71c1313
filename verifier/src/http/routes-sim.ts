/**
 * The "Virtual token" page's endpoints, present only when `serve` runs with an attached simulated
 * token (as `npm start` does): read the simulated screen, and press its button. Behind the
 * operator key like every management endpoint, since a press can confirm a wipe.
 */
import type { FastifyInstance } from 'fastify';
import type { SimHandle } from './types.ts';

/** Registers GET /api/sim/screen and POST /api/sim/press. */
export function registerSimRoutes(app: FastifyInstance, sim: SimHandle): void {
  app.get('/api/sim/screen', async () => ({ lines: sim.screen() }));
  app.post('/api/sim/press', async () => {
    await sim.press();
    // The firmware redraws from its button handler; give its timers one turn before reading.
    await new Promise((r) => setTimeout(r, 20));
    return { lines: sim.screen() };
  });
}
