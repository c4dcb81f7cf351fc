import { z } from 'zod';
import { createRng } from '../core/index.js';
import { withoutRandomInit } from '../nn/index.js';
import { defineModel } from './define-model.js';
import type { Recommender } from './recommender.js';
import { buildWindows } from './seq-data.js';
import { bceLoss } from './seq-loss.js';
import { createSeqModel, derivedOutputTable, loadNetFromArtifact, warmStartNet } from './seq-model.js';
import { SasrecNet, type SasrecNetOptions } from './seq-net.js';
import { trainLoop } from './seq-train.js';

const params = z.object({
  maxLen: z.number().int().min(2).max(1024).default(50).describe('Events read per sequence (the newest).'),
  dim: z.number().int().min(4).max(1024).default(64).describe('Hidden size.'),
  blocks: z.number().int().min(1).max(12).default(2).describe('Transformer blocks.'),
  heads: z.number().int().min(1).max(16).default(1).describe('Attention heads.'),
  dropoutRate: z.number().min(0).max(0.9).default(0.5).describe('Dropout (the SASRec paper: 0.5 on the sparse Amazon data).'),
  learningRate: z.number().gt(0).default(0.001).describe('Adam step size.'),
  weightDecay: z.number().min(0).default(0).describe('Decoupled weight decay (AdamW).'),
  batchSize: z.number().int().min(1).default(128).describe('Sequences per step.'),
  epochs: z.number().int().min(1).default(200).describe('Maximum passes; early stopping on validation ends sooner.'),
});
type SasrecParams = z.infer<typeof params>;

/** Params that shape the network: a warm start needs them equal to the warm model's. */
const ARCHITECTURE: readonly (keyof SasrecParams)[] = ['maxLen', 'dim', 'blocks', 'heads'];

const ID = 'sasrec';
const VERSION = 1;

function netOptions(p: SasrecParams, nItems: number, seed: number): SasrecNetOptions {
  return { seed, nItems, maxLen: p.maxLen, dim: p.dim, blocks: p.blocks, heads: p.heads, dropoutRate: p.dropoutRate };
}

/** SASRec (Kang & McAuley 2018), faithful: causal self-attention, BCE with one uniform negative per position. */
export const sasrecModel = defineModel<SasrecParams>({
  id: ID,
  artifactVersion: VERSION,
  description: 'SASRec: causal self-attention over the newest events, BCE with one sampled negative per position.',
  capabilities: ['sequential', 'session', 'epochs', 'warm-start'],
  params,
  searchSpace: { dropoutRate: [0.2, 0.5], dim: [64], learningRate: [0.001, 0.002] },
  testParams: { dim: 16, maxLen: 10, epochs: 8, dropoutRate: 0.1, learningRate: 0.01 },
  fit(train, p, options) {
    const nItems = train.items.length;
    const net = new SasrecNet(netOptions(p, nItems, options.seed));
    if (options.warmStart) {
      warmStartNet(net, options.warmStart, { modelId: ID, params: p, architecture: ARCHITECTURE, itemIds: train.items, features: null });
    }
    const windows = buildWindows(train, p.maxLen, options.eventWeights);
    const rng = createRng(options.seed + 1);
    const model = (): Recommender => createSeqModel({ id: ID, artifactVersion: VERSION, params: p, nItems, net });
    trainLoop({
      id: ID,
      net,
      windows,
      batchSize: p.batchSize,
      epochs: p.epochs,
      learningRate: p.learningRate,
      weightDecay: p.weightDecay,
      options,
      model,
      lossOf: (b) => bceLoss(net.forward(b), net.outputTable(), b, rng),
    });
    return model();
  },
  restore(artifact, p) {
    const net = withoutRandomInit(() => new SasrecNet(netOptions(p, artifact.nItems, 0)));
    loadNetFromArtifact(net, artifact);
    const outputTable = derivedOutputTable(artifact, net.dim);
    return createSeqModel({ id: ID, artifactVersion: VERSION, params: p, nItems: artifact.nItems, net, outputTable });
  },
});
