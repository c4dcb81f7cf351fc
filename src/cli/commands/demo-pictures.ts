import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createProgress } from '../../core/index.js';
import type { Shop } from '../../eval/index.js';
import { saveImageEncoder, trainImageEncoder } from '../../pictures/encoder.js';
import { FASHION_MNIST_DEFAULT_DIR, loadFashionMnist } from '../../pictures/fashion-mnist.js';
import type { Store, UploadedPicture } from '../../store/index.js';

export interface DemoPicturesOptions {
  /** Where the Fashion-MNIST IDX files are. */
  dir: string;
  /** Where the demo's image encoder is saved (trained when the file is missing). */
  encoderPath: string;
  /** Pictures the demo encoder trains on, and its wall-time budget. */
  trainPictures: number;
  budgetSeconds: number;
  seed: number;
}

/** Small enough that the demo answers within about half a minute of starting: its encoder only has to tell looks apart. */
export const DEFAULT_DEMO_PICTURES = { trainPictures: 4_000, budgetSeconds: 20 };

/** The Fashion-MNIST directory: CURIO_FASHION_MNIST_DIR, else Debian's. */
export const fashionMnistDir = (): string => process.env.CURIO_FASHION_MNIST_DIR ?? FASHION_MNIST_DEFAULT_DIR;

/**
 * Gives the demo shop's fashion items their Fashion-MNIST pictures (stored as uploads, embedded by the
 * server when it starts) and trains a small image encoder for the server when none is saved yet.
 * Null when the dataset is not installed: the demo then runs without pictures.
 */
export async function addDemoPictures(
  store: Store,
  shop: Shop,
  o: DemoPicturesOptions,
  log: (line: string) => void,
): Promise<{ pictures: number; encoderPath: string } | null> {
  if (!existsSync(join(o.dir, 'train-images-idx3-ubyte.gz'))) {
    log(`No Fashion-MNIST at ${o.dir} (apt-get install dataset-fashion-mnist): the demo runs without pictures`);
    return null;
  }
  const images = loadFashionMnist(o.dir, 'train');
  const now = Date.now();
  const pictures = shop.pictures(images).map((p): UploadedPicture => ({
    kind: 'image',
    itemId: p.itemId,
    size: images.size,
    pixels: p.pixels,
    embedding: null,
    encoder: null,
    updatedAt: now,
  }));
  await store.putItemPictures(pictures);
  log(`Stored ${pictures.length} item pictures (Fashion-MNIST, by each fashion item's look)`);
  if (!existsSync(o.encoderPath)) {
    const subset = Math.min(o.trainPictures, images.count);
    const train = {
      ...images,
      count: subset,
      pixels: images.pixels.subarray(0, subset * images.size ** 2),
      labels: images.labels.subarray(0, subset),
    };
    log(`Training a demo image encoder on ${subset} pictures (at most ${o.budgetSeconds} s)`);
    const progress = createProgress({ label: 'image encoder', unit: 'pictures', fields: ['loss'] });
    const fit = trainImageEncoder(train, { epochs: 4 }, { seed: o.seed, progress, maxTrainSeconds: o.budgetSeconds });
    progress.stop();
    mkdirSync(dirname(o.encoderPath), { recursive: true });
    saveImageEncoder(fit.encoder, o.encoderPath);
    log(
      `Image encoder: validation accuracy ${fit.validationAccuracy?.toFixed(3) ?? 'n/a'} after ${fit.epochsRun} epochs; saved to ${o.encoderPath}`,
    );
  }
  return { pictures: pictures.length, encoderPath: o.encoderPath };
}
