/**
 * The object the firmware holds as a Graphics instance: Espruino's method names and argument forms,
 * each returning the instance for chaining as Espruino 2v does, over a Framebuffer. Unknown members
 * throw (strict.ts); fonts other than 6x8 and Vector throw too.
 */
import { Framebuffer } from './graphics.ts';
import { rgb565 } from './memlcd.ts';
import { ShimError, strict } from './strict.ts';

export interface GraphicsHooks {
  /** Called by flip(): the built-in display shows the buffer; array-buffer graphics do nothing. */
  flip?: () => void;
  /** Called on every drawing call (the pico display links the Graphics it last drew on). */
  drawn?: (fb: Framebuffer) => void;
  onMissing: (e: ShimError) => void;
  /** Value of `.buffer` (the ArrayBuffer; undefined for a built-in LCD). */
  buffer: ArrayBuffer | undefined;
}

function num(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`Graphics.${name}: expected a number, got ${String(v)}`);
  return n;
}

/**
 * Espruino's colour forms: an integer for the buffer's bpp, (r, g, b) in 0..1, or "#rgb"/"#rrggbb".
 * On Bangle.js 2's LCD (rgb565) an integer is a raw RGB565 colour, whatever the panel's 3 bits.
 */
export function parseColor(fb: Framebuffer, a: unknown, b?: unknown, c?: unknown): number {
  let r: number, g: number, bl: number;
  if (typeof a === 'string') {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(a);
    if (!m) throw new TypeError(`Graphics.setColor: unknown colour "${a}"`);
    const h = m[1]!.length === 3 ? m[1]!.replace(/./g, '$&$&') : m[1]!;
    r = parseInt(h.slice(0, 2), 16) / 255;
    g = parseInt(h.slice(2, 4), 16) / 255;
    bl = parseInt(h.slice(4, 6), 16) / 255;
  } else if (b === undefined) {
    const v = num('setColor', a) | 0;
    if (fb.opts.rgb565) return v & 0xffff;
    return fb.bpp >= 32 ? v >>> 0 : v & ((1 << fb.bpp) - 1);
  } else {
    r = num('setColor', a);
    g = num('setColor', b);
    bl = num('setColor', c);
  }
  const clamp = (x: number) => Math.max(0, Math.min(1, x));
  if (fb.opts.rgb565) return rgb565(r, g, bl);
  if (fb.bpp === 1) return (r + g + bl) / 3 >= 0.5 ? 1 : 0;
  if (fb.bpp === 16) return rgb565(r, g, bl);
  return Math.round(((clamp(r) + clamp(g) + clamp(bl)) / 3) * ((1 << fb.bpp) - 1));
}

/** Rectangle arguments: (x1, y1, x2, y2) or ({x, y, w, h}) / ({x, y, x2, y2}). */
function rect(name: string, a: unknown, b: unknown, c: unknown, d: unknown): [number, number, number, number] {
  if (a && typeof a === 'object') {
    const o = a as { x?: number; y?: number; w?: number; h?: number; x2?: number; y2?: number };
    const x = num(name, o.x), y = num(name, o.y);
    if (o.w !== undefined) return [x, y, x + num(name, o.w) - 1, y + num(name, o.h) - 1];
    return [x, y, num(name, o.x2), num(name, o.y2)];
  }
  return [num(name, a), num(name, b), num(name, c), num(name, d)];
}

/** Builds the firmware-facing Graphics object for a framebuffer. */
export function graphicsObject(fb: Framebuffer, hooks: GraphicsHooks): object {
  const drawn = () => hooks.drawn?.(fb);
  const api: { [k: string]: unknown } = {
    buffer: hooks.buffer,
    getWidth: () => fb.width,
    getHeight: () => fb.height,
    clear(reset?: unknown) {
      if (reset) {
        fb.fg = fb.opts.rgb565 ? 0xffff : (1 << Math.min(fb.bpp, 31)) - 1;
        fb.bg = 0;
        fb.font = { kind: '6x8', scale: 1 };
        fb.alignX = fb.alignY = -1;
      }
      fb.clear();
      drawn();
      return self;
    },
    setColor(a: unknown, b?: unknown, c?: unknown) {
      fb.fg = parseColor(fb, a, b, c);
      return self;
    },
    setBgColor(a: unknown, b?: unknown, c?: unknown) {
      fb.bg = parseColor(fb, a, b, c);
      return self;
    },
    setFont(name: unknown, size?: unknown) {
      const m = /^(6x8|Vector)(?::?(\d+))?$/.exec(String(name));
      if (!m) {
        const e = new ShimError(`Espruino shim: font "${String(name)}" is not implemented (only 6x8 and Vector)`);
        hooks.onMissing(e);
        throw e;
      }
      const n = m[2] !== undefined ? Number(m[2]) : size === undefined ? (m[1] === '6x8' ? 1 : 16) : num('setFont', size);
      if (!(n >= 1)) throw new RangeError(`Graphics.setFont: size must be at least 1, got ${n}`);
      fb.font = m[1] === '6x8' ? { kind: '6x8', scale: Math.floor(n) } : { kind: 'vector', px: n };
      return self;
    },
    setFontVector(px: unknown) {
      const n = num('setFontVector', px);
      if (!(n >= 1)) throw new RangeError(`Graphics.setFontVector: size must be at least 1, got ${n}`);
      fb.font = { kind: 'vector', px: n };
      return self;
    },
    setFontAlign(x: unknown, y?: unknown, rotation?: unknown) {
      if (rotation !== undefined && Number(rotation) !== 0) {
        const e = new ShimError('Espruino shim: Graphics.setFontAlign rotation is not implemented');
        hooks.onMissing(e);
        throw e;
      }
      const clampAlign = (v: unknown) => Math.max(-1, Math.min(1, Math.round(Number(v) || 0)));
      fb.alignX = clampAlign(x);
      fb.alignY = clampAlign(y);
      return self;
    },
    getFontHeight: () => fb.fontHeight(),
    stringWidth: (s: unknown) => fb.stringWidth(String(s)),
    drawString(s: unknown, x: unknown, y: unknown, solid?: unknown) {
      fb.drawString(String(s), num('drawString', x ?? 0), num('drawString', y ?? 0), !!solid);
      drawn();
      return self;
    },
    fillRect(a: unknown, b?: unknown, c?: unknown, d?: unknown) {
      const r = rect('fillRect', a, b, c, d);
      fb.fillRect(r[0], r[1], r[2], r[3], fb.fg);
      drawn();
      return self;
    },
    clearRect(a: unknown, b?: unknown, c?: unknown, d?: unknown) {
      const r = rect('clearRect', a, b, c, d);
      fb.fillRect(r[0], r[1], r[2], r[3], fb.bg);
      drawn();
      return self;
    },
    drawRect(a: unknown, b?: unknown, c?: unknown, d?: unknown) {
      const r = rect('drawRect', a, b, c, d);
      fb.drawRect(r[0], r[1], r[2], r[3], fb.fg);
      drawn();
      return self;
    },
    flip() {
      hooks.flip?.();
    },
  };
  const self = strict('Graphics', api, hooks.onMissing);
  return self;
}
