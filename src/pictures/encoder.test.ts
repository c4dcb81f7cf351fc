import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurioError } from '../core/index.js';
import { decodeArtifact, encodeArtifact } from '../models/index.js';
import {
  decodeImageEncoder,
  encodeImageEncoder,
  imageEncoderFromArtifact,
  imageEncoderToArtifact,
  loadImageEncoder,
  saveImageEncoder,
  trainImageEncoder,
  type ImageEncoderFit,
  type ImageEpochReport,
} from './encoder.js';
import { accuracy } from './encoder-train.js';
import { loadFashionMnist } from './fashion-mnist.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/fashion-mnist/', import.meta.url));
const train = loadFashionMnist(FIXTURE, 'train');
const test = loadFashionMnist(FIXTURE, 't10k');
/** A small net that learns the 600 pictures in a few seconds. */
const SMALL = { widths: [8, 16], dim: 32, epochs: 6, batchSize: 32, learningRate: 5e-3, validationFraction: 0.15, patience: 6 };

const reports: ImageEpochReport[] = [];
let fit: ImageEncoderFit;
let dir: string;
beforeAll(() => {
  fit = trainImageEncoder(train, SMALL, { seed: 3, onEpoch: (r) => reports.push(r) });
  dir = mkdtempSync(join(tmpdir(), 'curio-encoder-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('image encoder on the Fashion-MNIST slice', () => {
  it('learns the categories well above chance (0.1) on held-out test pictures', () => {
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.at(-1)!.loss).toBeLessThan(reports[0].loss);
    expect(fit.validationAccuracy).toBeGreaterThan(0.5);
    expect(accuracy(fit.encoder, test)).toBeGreaterThan(0.55);
  });

  it('gives L2-normalised embeddings and category probabilities', () => {
    const { encoder } = fit;
    expect([encoder.size, encoder.dim, encoder.labels.length]).toEqual([28, 32, 10]);
    const e = encoder.embed(test.pixels.subarray(0, 5 * 784), 5);
    const p = encoder.classify(test.pixels.subarray(0, 5 * 784), 5);
    for (let r = 0; r < 5; r++) {
      expect(e.subarray(r * 32, (r + 1) * 32).reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 4);
      expect(p.subarray(r * 10, (r + 1) * 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    }
    // Same-category pictures are closer than different-category ones, on average.
    const all = encoder.embed(test.pixels, test.count);
    let same = 0;
    let sameN = 0;
    let other = 0;
    let otherN = 0;
    for (let i = 0; i < 60; i++) {
      for (let j = i + 1; j < 60; j++) {
        let dot = 0;
        for (let k = 0; k < 32; k++) dot += all[i * 32 + k] * all[j * 32 + k];
        if (test.labels[i] === test.labels[j]) {
          same += dot;
          sameN++;
        } else {
          other += dot;
          otherN++;
        }
      }
    }
    expect(same / sameN).toBeGreaterThan(other / otherN + 0.1);
    expect(() => encoder.embed(new Float32Array(10), 1)).toThrow(/784/);
  });

  it('is the same encoder after save and load (bytes and file), and refuses damaged or foreign artifacts', () => {
    const pics = test.pixels.subarray(0, 20 * 784);
    const expected = fit.encoder.embed(pics, 20);
    const fromBytes = decodeImageEncoder(encodeImageEncoder(fit.encoder));
    expect(fromBytes.embed(pics, 20)).toEqual(expected);
    expect(fromBytes.classify(pics, 20)).toEqual(fit.encoder.classify(pics, 20));
    expect(fromBytes.labels).toEqual(fit.encoder.labels);
    const path = join(dir, 'encoder.curio');
    saveImageEncoder(fit.encoder, path);
    expect(loadImageEncoder(path).embed(pics, 20)).toEqual(expected);

    const artifact = imageEncoderToArtifact(fit.encoder);
    expect(artifact.modelId).toBe('image-cnn');
    // The batch-norm running statistics are saved with the weights.
    expect(Object.keys(artifact.arrays)).toContain('blocks.0.norm.runningVar');
    const bytes = encodeArtifact(artifact);
    bytes[bytes.length - 1] ^= 1;
    expect(() => decodeImageEncoder(bytes)).toThrow(/checksum/);
    const { ['head.weight']: _dropped, ...rest } = artifact.arrays;
    expect(() => imageEncoderFromArtifact({ ...artifact, arrays: rest })).toThrow(/head\.weight/);
    expect(() => imageEncoderFromArtifact({ ...decodeArtifact(encodeArtifact(artifact)), modelId: 'sasrec' })).toThrow(CurioError);
  });

  it('validates a moving average of its weights too, and keeps whichever scores better', () => {
    // The averaged accuracy is reported with every validation, and the kept score is the better of the two.
    for (const r of reports) {
      expect(r.averagedValidationAccuracy).toBeGreaterThan(0);
      expect(r.validationAccuracy).toBeGreaterThanOrEqual(r.averagedValidationAccuracy!);
    }
    expect(fit.validationAccuracy).toBe(Math.max(...reports.map((r) => r.validationAccuracy!)));
    // The kept weights are the ones that scored it: re-scoring the validation split gives the same figure.
    // In this seeded run (a high rate, a short average) the averaged weights win at the best epoch.
    const few = { ...train, count: 300, pixels: train.pixels.subarray(0, 300 * 784), labels: train.labels.subarray(0, 300) };
    const validation = {
      ...train,
      count: 300,
      pixels: train.pixels.subarray(300 * 784, 600 * 784),
      labels: train.labels.subarray(300, 600),
    };
    const seen: ImageEpochReport[] = [];
    const jumpy = { ...SMALL, epochs: 10, batchSize: 16, learningRate: 2e-2, patience: 10, ema: 0.9 };
    const small = trainImageEncoder(few, jumpy, { seed: 1, validation, onEpoch: (r) => seen.push(r) });
    const bestEpoch = seen.find((r) => r.validationAccuracy === small.validationAccuracy)!;
    expect(bestEpoch.averagedValidationAccuracy).toBe(small.validationAccuracy);
    expect(accuracy(small.encoder, validation)).toBe(small.validationAccuracy);
    // Off: no averaged figure.
    const plain: ImageEpochReport[] = [];
    trainImageEncoder(few, { ...SMALL, epochs: 1, ema: 0 }, { seed: 2, validation, onEpoch: (r) => plain.push(r) });
    expect(plain[0].averagedValidationAccuracy).toBeUndefined();
  });

  it('is deterministic per seed', () => {
    const few = { ...train, count: 96, pixels: train.pixels.subarray(0, 96 * 784), labels: train.labels.subarray(0, 96) };
    const params = { ...SMALL, epochs: 1, validationFraction: 0 };
    const pics = test.pixels.subarray(0, 4 * 784);
    const a = trainImageEncoder(few, params, { seed: 5 }).encoder.embed(pics, 4);
    const b = trainImageEncoder(few, params, { seed: 5 }).encoder.embed(pics, 4);
    const c = trainImageEncoder(few, params, { seed: 6 }).encoder.embed(pics, 4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('checks its params and data', () => {
    const problems = (params: unknown) => {
      try {
        trainImageEncoder(train, params);
      } catch (e) {
        return (e as CurioError).problems.map((p) => p.path);
      }
      return [];
    };
    expect(problems({ dim: 0 })).toEqual(['dim']);
    expect(problems({ widths: [8], batchSize: 1 })).toEqual(['widths', 'batchSize']);
    const bad = { ...train, labels: Int32Array.from(train.labels, () => 12) };
    expect(() => trainImageEncoder(bad, SMALL)).toThrow(/label 12/);
  });
});
