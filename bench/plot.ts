/**
 * Line charts as PNG (a tiny encoder over node:zlib, digits from a 3×5 bitmap font) and SVG (with text),
 * so benches can draw curves without a plotting dependency.
 */
import { deflateSync } from 'node:zlib';

export type Rgb = [number, number, number];
export interface Series {
  name: string;
  color: Rgb;
  points: Array<[number, number]>;
}
export interface Panel {
  title: string;
  xLabel: string;
  series: Series[];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An RGB raster with the few drawing operations a line chart needs. */
export class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }
  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels.set(c, (y * this.width + x) * 3);
  }
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dx = 0; dx < thickness; dx++)
        for (let dy = 0; dy < thickness; dy++) this.set(x + dx - (thickness >> 1), y + dy - (thickness >> 1), c);
    }
  }
  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let i = 0; i < w; i++) for (let j = 0; j < h; j++) this.set(x + i, y + j, c);
  }
  /** Digits, '.', '-' and '%' in a 3×5 font scaled by `scale`. */
  digits(text: string, x: number, y: number, c: Rgb, scale = 2): void {
    for (const ch of text) {
      const glyph = FONT[ch];
      if (glyph)
        glyph.forEach((row, r) => [4, 2, 1].forEach((bit, col) => row & bit && this.rect(x + col * scale, y + r * scale, scale, scale, c)));
      x += 4 * scale;
    }
  }
  /** PNG bytes (8-bit RGB, filter 0 on every row). */
  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++)
      Buffer.from(this.pixels.subarray(y * this.width * 3, (y + 1) * this.width * 3)).copy(raw, y * (this.width * 3 + 1) + 1);
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
    return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
  }
}

const FONT: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  '-': [0, 0, 7, 0, 0],
  '%': [5, 1, 2, 4, 5],
};

const PANEL_W = 420;
const PANEL_H = 300;
const MARGIN = { left: 60, right: 15, top: 20, bottom: 40 };
const GREY: Rgb = [200, 200, 200];
const INK: Rgb = [60, 60, 60];

interface Frame {
  ox: number;
  oy: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

function frameOf(panel: Panel, ox: number, oy: number): Frame {
  const xs = panel.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = panel.series.flatMap((s) => s.points.map((p) => p[1]));
  const yMin = Math.min(...ys);
  const yMax = Math.max(...ys);
  const pad = (yMax - yMin) * 0.08 || Math.abs(yMax) * 0.1 || 1;
  return { ox, oy, xMin: Math.min(...xs), xMax: Math.max(...xs), yMin: yMin - pad, yMax: yMax + pad };
}

const px = (f: Frame, x: number) => f.ox + MARGIN.left + ((x - f.xMin) / (f.xMax - f.xMin || 1)) * (PANEL_W - MARGIN.left - MARGIN.right);
const py = (f: Frame, y: number) =>
  f.oy + PANEL_H - MARGIN.bottom - ((y - f.yMin) / (f.yMax - f.yMin)) * (PANEL_H - MARGIN.top - MARGIN.bottom);
const tick = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3));

/** The x values to label: each point's own when there are a few (a grid of weights), else five evenly spaced. */
function xTicks(panel: Panel, f: Frame): Array<{ x: number; label: string }> {
  const xs = [...new Set(panel.series.flatMap((s) => s.points.map((p) => p[0])))];
  if (xs.length <= 8) return xs.map((x) => ({ x, label: String(x) }));
  return Array.from({ length: 5 }, (_, t) => {
    const x = f.xMin + ((f.xMax - f.xMin) * t) / 4;
    return { x, label: Number.isInteger(x) ? String(x) : tick(x) };
  });
}

/** Panels in a grid, `columns` wide, drawn as a PNG: axes with numeric ticks, one coloured line per series. */
export function drawPng(panels: Panel[], columns: number): Buffer {
  const rows = Math.ceil(panels.length / columns);
  const canvas = new Canvas(PANEL_W * columns, PANEL_H * rows);
  panels.forEach((panel, k) => {
    const f = frameOf(panel, (k % columns) * PANEL_W, Math.floor(k / columns) * PANEL_H);
    for (let t = 0; t <= 4; t++) {
      const y = f.yMin + ((f.yMax - f.yMin) * t) / 4;
      canvas.line(px(f, f.xMin), py(f, y), px(f, f.xMax), py(f, y), GREY);
      canvas.digits(tick(y), f.ox + 4, py(f, y) - 5, INK);
    }
    for (const { x, label } of xTicks(panel, f)) canvas.digits(label, px(f, x) - 6, f.oy + PANEL_H - MARGIN.bottom + 8, INK);
    canvas.line(px(f, f.xMin), py(f, f.yMin), px(f, f.xMin), py(f, f.yMax), INK);
    canvas.line(px(f, f.xMin), py(f, f.yMin), px(f, f.xMax), py(f, f.yMin), INK);
    for (const s of panel.series) {
      for (let i = 1; i < s.points.length; i++)
        canvas.line(px(f, s.points[i - 1][0]), py(f, s.points[i - 1][1]), px(f, s.points[i][0]), py(f, s.points[i][1]), s.color, 3);
      for (const [x, y] of s.points) canvas.rect(px(f, x) - 3, py(f, y) - 3, 7, 7, s.color);
    }
  });
  return canvas.png();
}

const hex = (c: Rgb) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The same panels as SVG, with titles, axis labels and a legend. */
export function drawSvg(panels: Panel[], columns: number): string {
  const rows = Math.ceil(panels.length / columns);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_W * columns}" height="${PANEL_H * rows + 30}" font-family="sans-serif" font-size="11">`,
  ];
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  panels.forEach((panel, k) => {
    const f = frameOf(panel, (k % columns) * PANEL_W, Math.floor(k / columns) * PANEL_H);
    parts.push(`<text x="${f.ox + MARGIN.left}" y="${f.oy + 14}" font-weight="bold">${panel.title}</text>`);
    parts.push(`<text x="${px(f, (f.xMin + f.xMax) / 2)}" y="${f.oy + PANEL_H - 8}" text-anchor="middle">${panel.xLabel}</text>`);
    for (let t = 0; t <= 4; t++) {
      const y = f.yMin + ((f.yMax - f.yMin) * t) / 4;
      parts.push(`<line x1="${px(f, f.xMin)}" x2="${px(f, f.xMax)}" y1="${py(f, y)}" y2="${py(f, y)}" stroke="#ddd"/>`);
      parts.push(`<text x="${f.ox + MARGIN.left - 4}" y="${py(f, y) + 4}" text-anchor="end">${tick(y)}</text>`);
    }
    for (const { x, label } of xTicks(panel, f)) {
      parts.push(`<text x="${px(f, x)}" y="${f.oy + PANEL_H - MARGIN.bottom + 14}" text-anchor="middle">${label}</text>`);
    }
    for (const s of panel.series) {
      const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(f, x).toFixed(1)},${py(f, y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${hex(s.color)}" stroke-width="2.5"/>`);
    }
  });
  const names = panels[0]?.series ?? [];
  names.forEach((s, i) => {
    parts.push(`<rect x="${10 + i * 140}" y="${PANEL_H * rows + 10}" width="12" height="12" fill="${hex(s.color)}"/>`);
    parts.push(`<text x="${26 + i * 140}" y="${PANEL_H * rows + 20}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
