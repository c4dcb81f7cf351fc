/**
 * A `pictures` job: trains the image encoder on the shop's stored item pictures, each labelled with its
 * item's category, compares it with the serving encoder on the same held-out pictures (the gate), and
 * registers it as a model version of the `pictures` track, promoted when it passes. Serving processes
 * follow that track (EncoderWatcher) and embed the stored pictures again with the new version.
 */
import { createHash } from 'node:crypto';
import { CurioError, parseOrThrow, type Config } from '../core/index.js';
import {
  accuracy,
  decodeImageEncoder,
  encodeImageEncoder,
  trainImageEncoder,
  ImageEncoderParamsSchema,
  type ImageEncoder,
  type LabelledImages,
} from '../pictures/encoder.js';
import { IMAGE_ENCODER_MODEL, type Job, type ModelVersion, type Store, type UploadedPicture } from '../store/index.js';
import { pixelsToInput } from '../pictures/index.js';
import { sha256 } from './checksum.js';
import type { JobOutcome, JobReporter } from './run-job.js';
import { registerTrackVersion } from './versions.js';

/** Fewer labelled pictures than this train nothing worth serving: the job is skipped. */
export const MIN_ENCODER_PICTURES = 20;
/** Items per catalogue read while labelling pictures. */
const ITEM_BATCH = 500;
/** A tag is learnt when at least this many training pictures' items have it (fewer teach the head nothing). */
export const MIN_TAG_PICTURES = 5;
/** The tag head learns at most this many tags, the most frequent. */
export const MAX_TAGS = 256;

export interface PicturesJobOptions {
  store: Store;
  config: Config;
  job: Job;
  reporter: JobReporter;
}

/** The labelled pictures a job trains and validates on. */
export interface PictureTrainingSet {
  train: LabelledImages;
  validation: LabelledImages;
  /** Uploaded pictures left out: no category, or another size than the most common one. */
  unlabelled: number;
  otherSize: number;
}

export async function runPicturesJob(o: PicturesJobOptions): Promise<JobOutcome> {
  const { store, config, job, reporter } = o;
  const params = parseOrThrow(ImageEncoderParamsSchema, config.pictures.encoderParams, {
    what: 'image encoder parameters (pictures.encoderParams)',
  });
  reporter.progress(0, 'reading the item pictures and their categories');
  const set = await pictureTrainingSet(store, config.training.validationFraction);
  const none = { versionId: null, chosen: null, metrics: {} };
  if (!set) return { decision: 'skipped', reason: `fewer than ${MIN_ENCODER_PICTURES} pictures of items with a category`, ...none };
  const classes = set.train.labelNames.length;
  if (classes < 2) return { decision: 'skipped', reason: 'the pictured items are all in one category: nothing to tell apart', ...none };
  const tagCount = set.train.tags?.names.length ?? 0;
  reporter.log(
    `pictures: ${set.train.count} to train on, ${set.validation.count} held out, ${classes} categories, ${tagCount} tags` +
      (set.unlabelled + set.otherSize > 0 ? `; left out ${set.unlabelled} without a category, ${set.otherSize} of another size` : ''),
  );

  const servingVersion = await store.servingModelVersion('pictures');
  const serving = servingVersion ? await loadServingEncoder(store, servingVersion, reporter) : null;
  // The held-out pictures are the validation split; a shop so small that none is held out trains every epoch.
  const held = set.validation.count > 0;
  const fit = trainImageEncoder(set.train, held ? params : { ...params, validationFraction: 0 }, {
    seed: 0,
    ...(held ? { validation: set.validation } : {}),
    maxTrainSeconds: config.training.maxTrainMinutes * 60,
    onEpoch: (r) => {
      reporter.progress((0.9 * (r.epoch + 1)) / r.epochs, `training ${IMAGE_ENCODER_MODEL}: epoch ${r.epoch + 1}/${r.epochs}`);
      reporter.log(
        `epoch ${r.epoch + 1}/${r.epochs}: loss ${r.loss.toFixed(4)}, validation accuracy ${r.validationAccuracy?.toFixed(4) ?? '-'}, ${r.seconds.toFixed(0)} s`,
      );
    },
  });

  reporter.progress(0.9, 'gate: the new and the serving encoder on the held-out pictures');
  const gate = encoderGate(fit.encoder, serving, set.validation, config.training.tolerance);
  reporter.log(`gate: ${gate.summary}`);
  const tagPrecision = tagPrecisionAt1(fit.encoder, set.validation);
  if (tagPrecision !== null) {
    gate.metrics['tags:precision@1'] = tagPrecision;
    reporter.log(`tags: precision@1 ${tagPrecision.toFixed(4)} on the held-out pictures with a learnt tag`);
  }
  const version = await registerTrackVersion(store, {
    model: IMAGE_ENCODER_MODEL,
    params: { ...params },
    window: { events: 0, users: 0, items: set.train.count + set.validation.count, lastEventAt: null },
    trainSeconds: fit.seconds,
    parentId: servingVersion?.id ?? null,
    jobId: job.id,
    metrics: gate.metrics,
    state: gate.pass ? 'candidate' : 'rejected',
    reason: gate.pass ? null : gate.summary,
    encode: () => encodeImageEncoder(fit.encoder),
    // Checked as a serving process will load it: a version that would be refused there is refused now.
    verify: (bytes) => void decodeImageEncoder(bytes, 'the new image encoder'),
  });
  const described = `${IMAGE_ENCODER_MODEL} ${JSON.stringify(params.widths)}×${params.dim}`;
  if (version.state === 'rejected') {
    const reason = version.reason ?? gate.summary;
    return { decision: 'rejected', reason, versionId: version.id, chosen: described, metrics: gate.metrics };
  }
  await store.promoteModelVersion(version.id, `replaced by ${version.id}`);
  reporter.log(`promoted ${version.id}`);
  return { decision: 'promoted', reason: gate.summary, versionId: version.id, chosen: described, metrics: gate.metrics };
}

/**
 * The stored uploaded pictures of items with a category, at the most common picture size, labelled with the
 * item's category path. The held-out share is chosen by a hash of the item id, so an item is held out by
 * every job alike: the serving encoder (trained by an earlier job) has not seen the pictures it is
 * compared on. Null when fewer than MIN_ENCODER_PICTURES remain.
 */
export async function pictureTrainingSet(store: Store, validationFraction: number): Promise<PictureTrainingSet | null> {
  const uploaded: UploadedPicture[] = [];
  for await (const p of store.scanItemPictures()) if (p.kind === 'image') uploaded.push(p);
  const sizes = new Map<number, number>();
  for (const p of uploaded) sizes.set(p.size, (sizes.get(p.size) ?? 0) + 1);
  const size = [...sizes].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
  if (size === undefined) return null;
  const sized = uploaded.filter((p) => p.size === size);
  const category = new Map<string, string>();
  const tagsOf = new Map<string, readonly string[]>();
  for (let i = 0; i < sized.length; i += ITEM_BATCH) {
    for (const item of await store.getItems(sized.slice(i, i + ITEM_BATCH).map((p) => p.itemId))) {
      if (item.categoryPath.length > 0) category.set(item.id, item.categoryPath.join(' > '));
      if (item.tags.length > 0) tagsOf.set(item.id, item.tags);
    }
  }
  const labelled = sized.filter((p) => category.has(p.itemId));
  if (labelled.length < MIN_ENCODER_PICTURES) return null;
  const labelNames = [...new Set(labelled.map((p) => category.get(p.itemId)!))].sort();
  const labelOf = new Map(labelNames.map((name, k) => [name, k]));
  const held = labelled.filter((p) => heldOut(p.itemId, validationFraction));
  const trained = labelled.filter((p) => !heldOut(p.itemId, validationFraction));
  const tagNames = tagVocabulary(trained.map((p) => tagsOf.get(p.itemId) ?? []));
  const tagIndex = new Map(tagNames.map((name, k) => [name, k]));
  const images = (pictures: UploadedPicture[]): LabelledImages => {
    const side = size * size;
    const pixels = new Float32Array(pictures.length * side);
    pictures.forEach((p, k) => pixelsToInput(p.pixels, pixels, k * side));
    const labels = Int32Array.from(pictures, (p) => labelOf.get(category.get(p.itemId)!)!);
    if (tagNames.length === 0) return { size, count: pictures.length, pixels, labels, labelNames };
    const targets = new Uint8Array(pictures.length * tagNames.length);
    pictures.forEach((p, k) => {
      for (const tag of tagsOf.get(p.itemId) ?? []) {
        const j = tagIndex.get(tag);
        if (j !== undefined) targets[k * tagNames.length + j] = 1;
      }
    });
    return { size, count: pictures.length, pixels, labels, labelNames, tags: { names: tagNames, targets } };
  };
  return {
    train: images(trained),
    validation: images(held),
    unlabelled: sized.length - labelled.length,
    otherSize: uploaded.length - sized.length,
  };
}

/** The tags on at least MIN_TAG_PICTURES of the pictures' items, the MAX_TAGS most frequent, sorted by name. */
function tagVocabulary(tagLists: ReadonlyArray<readonly string[]>): string[] {
  const counts = new Map<string, number>();
  for (const tags of tagLists) for (const tag of new Set(tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n >= MIN_TAG_PICTURES)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_TAGS)
    .map(([tag]) => tag)
    .sort();
}

/**
 * Of the held-out pictures whose items have a learnt tag, the share whose most probable tag is one of
 * their item's (null when none has one).
 */
export function tagPrecisionAt1(encoder: ImageEncoder, data: LabelledImages): number | null {
  const tags = data.tags;
  if (!tags || encoder.tags.length !== tags.names.length || data.count === 0) return null;
  const k = tags.names.length;
  const probs = encoder.tagProbabilities(data.pixels, data.count);
  let tagged = 0;
  let right = 0;
  for (let r = 0; r < data.count; r++) {
    if (!tags.targets.subarray(r * k, (r + 1) * k).some((t) => t === 1)) continue;
    tagged++;
    let arg = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + arg]) arg = j;
    if (tags.targets[r * k + arg] === 1) right++;
  }
  return tagged === 0 ? null : right / tagged;
}

/** Whether an item's picture is held out: the first 32 bits of its id's SHA-256 below the fraction. */
export function heldOut(itemId: string, fraction: number): boolean {
  return createHash('sha256').update(itemId).digest().readUInt32BE(0) / 2 ** 32 < fraction;
}

interface EncoderGate {
  pass: boolean;
  summary: string;
  metrics: Record<string, number>;
}

/**
 * Passes unless the serving encoder (same categories) classifies the held-out pictures better than the new
 * one by more than `tolerance` of its accuracy. With other categories, or none serving, there is nothing
 * to compare: the new one passes.
 */
export function encoderGate(
  candidate: ImageEncoder,
  serving: { encoder: ImageEncoder; id: string } | null,
  validation: LabelledImages,
  tolerance: number,
): EncoderGate {
  if (validation.count === 0) return { pass: true, summary: 'no held-out pictures: nothing to compare on', metrics: {} };
  const mine = accuracy(candidate, validation);
  const metrics: Record<string, number> = { accuracy: mine };
  if (!serving) return { pass: true, summary: `accuracy ${mine.toFixed(4)}; no encoder serving yet`, metrics };
  const same =
    serving.encoder.labels.length === candidate.labels.length && serving.encoder.labels.every((l, i) => l === candidate.labels[i]);
  if (!same) return { pass: true, summary: `accuracy ${mine.toFixed(4)}; the categories changed since ${serving.id}`, metrics };
  const theirs = accuracy(serving.encoder, validation);
  metrics['serving:accuracy'] = theirs;
  const pass = mine >= theirs * (1 - tolerance);
  return {
    pass,
    summary: `accuracy ${mine.toFixed(4)} vs ${theirs.toFixed(4)} for the serving ${serving.id} (tolerance ${tolerance})${pass ? '' : ': worse, not promoted'}`,
    metrics,
  };
}

async function loadServingEncoder(
  store: Store,
  version: ModelVersion,
  reporter: JobReporter,
): Promise<{ encoder: ImageEncoder; id: string } | null> {
  try {
    return { encoder: await loadEncoderVersion(store, version), id: version.id };
  } catch (error) {
    reporter.log(
      `the serving encoder ${version.id} cannot be loaded (${error instanceof Error ? error.message : String(error)}); the gate compares with nothing`,
    );
    return null;
  }
}

/** A `pictures` version's encoder, its bytes checked against the registry's checksum. */
export async function loadEncoderVersion(store: Store, version: ModelVersion): Promise<ImageEncoder> {
  const source = `model version ${version.id}`;
  const bytes = await store.modelArtifact(version.id);
  if (!bytes || bytes.length === 0) throw new CurioError('BAD_INPUT', `${source} has no artifact`);
  if (sha256(bytes) !== version.checksum)
    throw new CurioError('BAD_INPUT', `${source}: the artifact's checksum does not match the registry's`);
  return decodeImageEncoder(bytes, source);
}
