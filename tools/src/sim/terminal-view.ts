/**
 * The interactive `hwtotp sim` view: the screen's pixels drawn with block characters, the text on it,
 * the token's clock and the port to open. Enter presses the button, q quits.
 *
 * A terminal wide enough gets half blocks (1x2 pixels a character, the sharpest); a narrower one,
 * such as the usual 80 columns, gets quadrant blocks (2x2 pixels a character), sampled further if the
 * screen is still too wide.
 */
import { Simulator } from './simulator.ts';

// Quadrant block characters indexed by a bit each for top-left 1, top-right 2, bottom-left 4, bottom-right 8.
const QUADRANTS = ' \u2598\u259d\u2580\u2596\u258c\u259e\u259b\u2597\u259a\u2590\u259c\u2584\u2599\u259f\u2588';

/** The screen as lines of block characters, at most `columns` wide (the frame's two borders excluded). */
export function blockArt(sim: Pick<Simulator, 'pixels'>, columns = 128): string[] {
  const p = sim.pixels();
  const on = (x: number, y: number) => {
    if (x >= p.width || y >= p.height) return false;
    const [r, g, b] = p.pixel(x, y);
    return r + g + b > 192;
  };
  const rows: string[] = [];
  if (p.width <= columns) {
    for (let y = 0; y < p.height; y += 2) {
      let row = '';
      for (let x = 0; x < p.width; x++) {
        const top = on(x, y), bottom = on(x, y + 1);
        row += top && bottom ? '\u2588' : top ? '\u2580' : bottom ? '\u2584' : ' ';
      }
      rows.push(row);
    }
    return rows;
  }
  const step = Math.max(1, Math.ceil(p.width / (2 * columns)));
  for (let y = 0; y < p.height; y += 2 * step) {
    let row = '';
    for (let x = 0; x < p.width; x += 2 * step) {
      const bits = (on(x, y) ? 1 : 0) | (on(x + step, y) ? 2 : 0) | (on(x, y + step) ? 4 : 0) | (on(x + step, y + step) ? 8 : 0);
      row += QUADRANTS.charAt(bits);
    }
    rows.push(row);
  }
  return rows;
}

/** Runs the view until q (or the end of input); resolves when it has stopped the simulator. */
export async function runTerminalView(sim: Simulator, out: (s: string) => void): Promise<void> {
  const columns = Math.max(20, (process.stdout.columns || 80) - 2);
  const width = blockArt(sim, columns)[0]!.length;
  const frame = '+' + '-'.repeat(width) + '+';
  let status = 'Enter: press the button   q: quit';
  const draw = () => {
    const lines = [
      `hwtotp sim (${sim.board}): serial port ${sim.port}`,
      frame,
      ...blockArt(sim, columns).map((r) => '|' + r + '|'),
      frame,
      'screen: ' + (sim.screen().join(' / ') || '(dark)'),
      `token clock: ${new Date(sim.time() * 1000).toISOString()}`,
      status,
    ];
    out('\x1b[H\x1b[2J' + lines.join('\n') + '\n');
  };
  draw();
  sim.events.on('display', draw);
  sim.events.on('error', (e: Error) => {
    status = `firmware error: ${e.message}`;
    draw();
  });
  const tick = setInterval(draw, 1000);
  const stdin = process.stdin;
  await new Promise<void>((resolve) => {
    const finish = () => {
      stdin.off('data', onData);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      resolve();
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString()) {
        if (ch === 'q' || ch === '\u0003' || ch === '\u0004') return finish();
        if (ch === '\r' || ch === '\n') {
          sim.press().then(draw, (e: Error) => {
            status = `firmware error: ${e.message}`;
            draw();
          });
        }
      }
    };
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.resume();
  });
  clearInterval(tick);
  await sim.stop();
}
