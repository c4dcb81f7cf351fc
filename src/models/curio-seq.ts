import { z } from 'zod';
import { createRng } from '../core/index.js';
import { withoutRandomInit } from '../nn/index.js';
import type { SequenceDataset } from '../data/index.js';
import { defineModel } from './define-model.js';
import type { Recommender } from './recommender.js';
import { buildWindows, prefixCost, type SeqBatch } from './seq-data.js';
import { popularitySampler, softmaxLoss, type SoftmaxLossOptions } from './seq-loss.js';
import { createSeqModel, derivedOutputTable, featuresFromArtifact, loadNetFromArtifact, warmStartNet } from './seq-model.js';
import { CurioNet, itemFeatures, type CurioNetOptions, type ItemFeatures } from './seq-net.js';
import { trainLoop } from './seq-train.js';

/** 'auto' trains on prefixes when they cost the encoder at most this many times the end-to-end windows (prefixCost). */
export const PREFIX_COST_LIMIT = 16;

const params = z.object({
  maxLen: z.number().int().min(2).max(1024).default(50).describe('Events read per sequence (the newest).'),
  dim: z.number().int().min(4).max(1024).default(64).describe('Hidden size.'),
  blocks: z.number().int().min(1).max(12).default(2).describe('Transformer blocks.'),
  heads: z.number().int().min(1).max(16).default(2).describe('Attention heads.'),
  style: z
    .enum(['sasrec', 'pre-ln', 'hstu'])
    .default('sasrec')
    .describe(
      'Block layout: sasrec / pre-ln transformer blocks (src/nn TransformerBlock), or hstu (HSTU layer: gated pointwise attention, no FFN).',
    ),
  attention: z
    .enum(['auto', 'softmax', 'pointwise'])
    .default('auto')
    .describe('Attention weights: softmax, or HSTU pointwise SiLU(qk + bias) / maxLen; auto = pointwise under hstu, softmax otherwise.'),
  relativeBias: z.boolean().default(false).describe('Learn a per-head attention bias per bucketed distance between two events.'),
  timeBias: z.boolean().default(false).describe('Learn a per-head attention bias per bucket of the time between two events.'),
  mixer: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('> 0: a learned causal token mixer beside attention in every block, its branch weighted by this (src/nn/token-mixer.ts).'),
  dropoutRate: z.number().min(0).max(0.9).default(0.5).describe('Dropout on embeddings and sub-layers.'),
  learningRate: z.number().gt(0).default(0.002).describe('AdamW step size.'),
  weightDecay: z.number().min(0).default(0).describe('Decoupled weight decay.'),
  plateauDecay: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe('Learning rate multiplied by this after each validation that does not improve (1 = constant).'),
  averaging: z
    .number()
    .min(0)
    .lt(1)
    .default(0)
    .describe('> 0: keep (and validate) an exponential moving average of the weights with this decay per step; 0 = the last weights.'),
  batchSize: z.number().int().min(1).default(128).describe('Sequences per step.'),
  positions: z
    .enum(['newest', 'oldest', 'relative'])
    .default('newest')
    .describe('Learned positions from the newest event, from the oldest, or relative only (distance bias and per-lag mixer).'),
  prefixes: z
    .union([z.boolean(), z.literal('auto')])
    .default('auto')
    .describe(
      `Train on every prefix of each sequence, each predicting its next item from its newest position (the papers' loader); auto: when it costs at most ${PREFIX_COST_LIMIT}x the encoder work of end-to-end windows.`,
    ),
  epochs: z.number().int().min(1).default(100).describe('Maximum passes; early stopping on validation ends sooner.'),
  loss: z.enum(['auto', 'full', 'sampled']).default('auto').describe('Softmax over all items, or sampled; auto = full up to maxFullItems.'),
  maxFullItems: z.number().int().min(1).default(60_000).describe('Largest catalogue that auto trains with the full softmax.'),
  negatives: z.number().int().min(1).default(1024).describe('Shared negatives per batch for the sampled softmax.'),
  samplingPower: z.number().min(0).max(1).default(0.75).describe('Negatives drawn proportional to count^power (log-Q corrected).'),
  temperature: z.number().min(0).default(0).describe('> 0: cosine logits divided by this (normalised embeddings).'),
  attributes: z.boolean().default(true).describe('Use item side features (category path, brand, tags) when the data has them.'),
  behaviourTokens: z.boolean().default(true).describe('Add a behaviour-type embedding to each event.'),
  gapTokens: z.boolean().default(true).describe('Add a time-gap-bucket embedding to each event.'),
});
type CurioSeqParams = z.infer<typeof params>;

/** Params that shape or wire the network: a warm start needs them equal to the warm model's. */
const ARCHITECTURE: readonly (keyof CurioSeqParams)[] = [
  'maxLen',
  'dim',
  'blocks',
  'heads',
  'style',
  'attention',
  'relativeBias',
  'timeBias',
  'mixer',
  'positions',
  'behaviourTokens',
  'gapTokens',
];

const ID = 'curio-seq';
const VERSION = 1;

function netOptions(p: CurioSeqParams, nItems: number, seed: number, features: ItemFeatures | null): CurioNetOptions {
  return {
    seed,
    nItems,
    maxLen: p.maxLen,
    dim: p.dim,
    blocks: p.blocks,
    heads: p.heads,
    dropoutRate: p.dropoutRate,
    style: p.style,
    features,
    behaviourTokens: p.behaviourTokens,
    gapTokens: p.gapTokens,
    attention: p.attention === 'auto' ? undefined : p.attention,
    relativeBias: p.relativeBias,
    positions: p.positions,
    timeBias: p.timeBias,
    mixer: p.mixer,
  };
}

/** Whether this fit trains one window per prefix (the `prefixes` param, 'auto' decided by the data's lengths). */
export function usesPrefixes(train: SequenceDataset, p: Pick<CurioSeqParams, 'prefixes' | 'maxLen'>): boolean {
  return p.prefixes === 'auto' ? prefixCost(train, p.maxLen) <= PREFIX_COST_LIMIT : p.prefixes;
}

function lossOptions(train: SequenceDataset, p: CurioSeqParams, seed: number): SoftmaxLossOptions {
  const nItems = train.items.length;
  const full = p.loss === 'full' || (p.loss === 'auto' && nItems <= p.maxFullItems);
  const temperature = p.temperature > 0 ? p.temperature : undefined;
  if (full) return { negatives: 0, temperature };
  const counts = new Float64Array(nItems);
  for (const i of train.itemIdx) counts[i]++;
  const sampler = popularitySampler(counts, p.samplingPower, createRng(seed + 2));
  return { negatives: p.negatives, logQ: sampler.logQ, sample: sampler.sample, temperature };
}

/**
 * Curio's sequential model: a causal transformer over multi-behaviour events (item, side features,
 * behaviour type, time gap, position), trained with softmax cross-entropy over all items (or sampled
 * with log-Q correction on large catalogues), each target weighted by its behaviour's event weight.
 */
export const curioSeqModel = defineModel<CurioSeqParams>({
  id: ID,
  artifactVersion: VERSION,
  description: 'Multi-behaviour causal transformer with item side features and time gaps; full/sampled softmax cross-entropy.',
  capabilities: ['sequential', 'session', 'epochs', 'warm-start'],
  params,
  searchSpace: { dropoutRate: [0.3, 0.5], learningRate: [0.001, 0.002], style: ['sasrec', 'pre-ln'] },
  testParams: { dim: 16, maxLen: 10, heads: 1, epochs: 8, dropoutRate: 0.1, learningRate: 0.01 },
  fit(train, p, options) {
    const nItems = train.items.length;
    const features = p.attributes ? itemFeatures(train.itemAttributes, nItems, { names: train.attributeNames }) : null;
    const net = new CurioNet(netOptions(p, nItems, options.seed, features));
    if (options.warmStart) {
      warmStartNet(net, options.warmStart, { modelId: ID, params: p, architecture: ARCHITECTURE, itemIds: train.items, features });
    }
    const windows = buildWindows(train, p.maxLen, options.eventWeights, { prefixes: usesPrefixes(train, p) });
    const lossOpts = lossOptions(train, p, options.seed);
    const model = (): Recommender => createSeqModel({ id: ID, artifactVersion: VERSION, params: p, nItems, net, features });
    trainLoop({
      id: ID,
      net,
      windows,
      batchSize: p.batchSize,
      epochs: p.epochs,
      learningRate: p.learningRate,
      weightDecay: p.weightDecay,
      plateauDecay: p.plateauDecay,
      averaging: p.averaging,
      options,
      model,
      lossOf: (b: SeqBatch) => {
        const table = net.outputTable();
        return softmaxLoss(net.forward(b, table), table, b, lossOpts);
      },
    });
    return model();
  },
  restore(artifact, stored) {
    // Artifacts written before the token mixer existed have none: their params must say so, or the net built
    // here would expect mixer weights, and a warm start from them would see another architecture.
    // Likewise positions: artifacts from before the option counted them from the newest event.
    const p = {
      ...stored,
      ...('mixer' in artifact.params ? {} : { mixer: 0 }),
      ...('positions' in artifact.params ? {} : { positions: 'newest' as const }),
    };
    const features = featuresFromArtifact(artifact);
    // Every weight is loaded from the artifact (loadStateDict requires them all): nothing to draw.
    const net = withoutRandomInit(() => new CurioNet(netOptions(p, artifact.nItems, 0, features)));
    loadNetFromArtifact(net, artifact);
    const outputTable = derivedOutputTable(artifact, net.dim);
    return createSeqModel({ id: ID, artifactVersion: VERSION, params: p, nItems: artifact.nItems, net, features, outputTable });
  },
});
