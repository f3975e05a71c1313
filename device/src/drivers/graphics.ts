/**
 * The part of Espruino's Graphics object the firmware draws with (types only: nothing here is
 * emitted). The simulator shims exactly these members.
 */
export interface Graphics {
  clear(): Graphics;
  setColor(c: number): Graphics;
  setFont(name: string, scale: number): Graphics;
  setFontAlign(x: number, y: number): Graphics;
  drawString(s: string, x: number, y: number): Graphics;
  stringWidth(s: string): number;
  fillRect(x1: number, y1: number, x2: number, y2: number): Graphics;
  drawRect(x1: number, y1: number, x2: number, y2: number): Graphics;
  getWidth(): number;
  getHeight(): number;
  flip(): void;
  buffer: ArrayBuffer;
}
