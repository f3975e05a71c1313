/**
 * The interactive `hwtotp sim` view: the screen's pixels drawn with half-block characters (two pixel
 * rows per text row; screens wider than 128 pixels are sampled every other pixel), the text on it, the
 * token's clock and the port to open. Enter presses the button, q quits.
 */
import { Simulator } from './simulator.ts';

/** The screen as lines of block characters. */
export function blockArt(sim: Pick<Simulator, 'pixels'>): string[] {
  const p = sim.pixels();
  const step = p.width > 128 ? 2 : 1;
  const on = (x: number, y: number) => {
    if (y >= p.height) return false;
    const [r, g, b] = p.pixel(x, y);
    return r + g + b > 192;
  };
  const rows: string[] = [];
  for (let y = 0; y < p.height; y += 2 * step) {
    let row = '';
    for (let x = 0; x < p.width; x += step) {
      const top = on(x, y), bottom = on(x, y + step);
      row += top && bottom ? '\u2588' : top ? '\u2580' : bottom ? '\u2584' : ' ';
    }
    rows.push(row);
  }
  return rows;
}

/** Runs the view until q (or the end of input); resolves when it has stopped the simulator. */
export async function runTerminalView(sim: Simulator, out: (s: string) => void): Promise<void> {
  const width = blockArt(sim)[0]!.length;
  const frame = '+' + '-'.repeat(width) + '+';
  let status = 'Enter: press the button   q: quit';
  const draw = () => {
    const lines = [
      `hwtotp sim (${sim.board}): serial port ${sim.port}`,
      frame,
      ...blockArt(sim).map((r) => '|' + r + '|'),
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
