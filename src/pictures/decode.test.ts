import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePicture, encodeJpeg, encodePng, pixelsToInput } from './decode.js';

const options = { size: 28, maxPixels: 4096 * 4096 };
/** A bright diagonal bar on black: sharp edges that a wrong orientation or scale would move. */
const bar = (side: number) =>
  Uint8Array.from({ length: side * side }, (_, p) => (Math.abs((p % side) - Math.floor(p / side)) < side / 10 ? 255 : 0));

describe('decodePicture', () => {
  it('reads a PNG at the encoder size back exactly', async () => {
    const pixels = Uint8Array.from({ length: 28 * 28 }, (_, p) => (p * 7) % 256);
    const decoded = await decodePicture(await encodePng(pixels, 28), options);
    expect(decoded).toMatchObject({ format: 'png', width: 28, height: 28, size: 28 });
    expect(Array.from(decoded.pixels)).toEqual(Array.from(pixels));
    expect(pixelsToInput(decoded.pixels)[1]).toBeCloseTo(7 / 255, 6);
  });

  it('scales a large colour JPEG down to greyscale, keeping where the bright parts are', async () => {
    const side = 280;
    const grey = bar(side);
    const rgb = await sharp(Buffer.from(grey), { raw: { width: side, height: side, channels: 1 } })
      .toColourspace('srgb')
      .jpeg()
      .toBuffer();
    const decoded = await decodePicture(rgb, options);
    expect(decoded).toMatchObject({ format: 'jpeg', width: 280, height: 280 });
    expect(decoded.pixels[0]).toBeGreaterThan(150); // on the diagonal
    expect(decoded.pixels[27]).toBeLessThan(40); // far corner
    expect(decoded.pixels[14 * 28 + 14]).toBeGreaterThan(150);
  });

  it('fits a wide picture inside the square, padding with black', async () => {
    const white = new Uint8Array(56 * 28).fill(255);
    const decoded = await decodePicture(await encodePng(white, 56, 28), options);
    expect(decoded.pixels[0]).toBe(0); // padding above
    expect(decoded.pixels[14 * 28 + 14]).toBe(255);
  });

  it('reads a JPEG close to its pixels', async () => {
    const pixels = bar(28);
    const decoded = await decodePicture(await encodeJpeg(pixels, 28, 28, 95), options);
    const err = decoded.pixels.reduce((s, v, p) => s + Math.abs(v - pixels[p]), 0) / pixels.length;
    expect(err).toBeLessThan(20);
  });

  it('refuses empty, non-image, GIF, truncated and too many pixels, naming the body', async () => {
    const png = await encodePng(bar(28), 28);
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
      .gif()
      .toBuffer();
    const huge = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    for (const [bytes, reason] of [
      [Buffer.alloc(0), /empty/],
      [Buffer.from('{"not": "a picture"}'), /not a PNG or JPEG/],
      [gif, /gif picture; send PNG or JPEG/],
      [png.subarray(0, png.length - 30), /damaged/],
      [huge, /5000×5000 pixels is more than pictures.maxPixels/],
    ] as const) {
      await expect(decodePicture(bytes, options)).rejects.toMatchObject({
        code: 'BAD_INPUT',
        problems: [{ path: 'body', message: expect.stringMatching(reason) }],
      });
    }
  });
});
