import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../pictures/fashion-mnist.js';
import { createShop } from './shop.js';
import { SUBCATEGORY_LOOKS } from './looks.js';

const SMALL = { seed: 7, users: 600, items: 800, days: 14 };
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/fashion-mnist', import.meta.url));

describe('looks in the simulated shop', () => {
  it('gives pictured fashion items a look of their subcategory, and leaves the shop unchanged without visual taste', () => {
    const plain = createShop(SMALL);
    const explicit = createShop({ ...SMALL, visualTaste: 0 });
    expect([...explicit.events()]).toEqual([...plain.events()]);
    let pictured = 0;
    plain.items.forEach((item) => {
      const look = plain.lookOf(item.id);
      const allowed = item.categoryPath[0] === 'Fashion' ? SUBCATEGORY_LOOKS[item.categoryPath[1]] : undefined;
      if (!allowed) return expect(look).toBeNull();
      pictured++;
      expect(allowed).toContain(look);
      // The picture shows what the title names.
      if (item.title.includes('Sandals')) expect(look).toBe(5);
      if (item.title.includes('Ankle Boots')) expect(look).toBe(9);
      if (item.title.includes('Polo Shirt')) expect(look).toBe(0);
    });
    expect(pictured).toBeGreaterThan(20);
  });

  it('makes shoppers with visual taste act on the looks they prefer', () => {
    const shop = createShop({ ...SMALL, visualTaste: 2.5 });
    let preferred = 0;
    let other = 0;
    for (const e of shop.events()) {
      if (e.type !== 'click' && e.type !== 'purchase' && e.type !== 'cart') continue;
      const look = e.itemId ? shop.lookOf(e.itemId) : null;
      if (look === null || look === 8) continue; // bags have one look: no preference
      if (shop.lookTaste(e.userId)[look] > 0) preferred++;
      else other++;
    }
    // Without taste a shopper's preferred look would get about 1 in 3-5 of these actions.
    expect(preferred / (preferred + other)).toBeGreaterThan(0.6);
  });

  it('pictures each pictured item with a Fashion-MNIST image of its look', () => {
    const shop = createShop(SMALL);
    const images = loadFashionMnist(FIXTURES, 'train');
    const pictures = shop.pictures(images);
    expect(pictures.length).toBe(shop.items.filter((i) => shop.lookOf(i.id) !== null).length);
    const area = images.size * images.size;
    for (const p of pictures.slice(0, 30)) {
      expect(p.look).toBe(shop.lookOf(p.itemId));
      // The bytes are one of the images of that class.
      const match = Array.from({ length: images.count }, (_, k) => k).find(
        (k) => images.labels[k] === p.look && p.pixels.every((v, q) => v === Math.round(images.pixels[k * area + q] * 255)),
      );
      expect(match).toBeDefined();
    }
    expect(shop.pictures(images)).toEqual(pictures);
  });
});
