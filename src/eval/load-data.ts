import {
  datasetFromStore,
  kCore,
  leaveOneOut,
  readDataset,
  timeSplit,
  type DatasetFormat,
  type SequenceDataset,
  type Split,
} from '../data/index.js';
import { openStore } from '../store/index.js';

export interface LoadSplitOptions {
  /** A file path, or a store URL such as `sqlite:./curio.db`. */
  data: string;
  format?: DatasetFormat;
  attributesPath?: string;
  split: 'loo' | 'time';
  /** k-core filter before splitting (0 = none; the S3-Rec files are already 5-core). */
  kCore?: number;
}

/** Reads the data (file or store), applies the k-core, and splits it. */
export async function loadSplit(options: LoadSplitOptions): Promise<Split> {
  let ds: SequenceDataset;
  if (/^[a-z]+:(?!\\)/i.test(options.data) && !/^[a-z]:[\\/]/i.test(options.data)) {
    const store = await openStore(options.data);
    try {
      ds = await datasetFromStore(store, { withCategories: true });
    } finally {
      await store.close();
    }
  } else {
    ds = readDataset(options.data, { format: options.format, attributesPath: options.attributesPath });
  }
  if (options.kCore && options.kCore > 1) ds = kCore(ds, { userMin: options.kCore, itemMin: options.kCore });
  return options.split === 'loo' ? leaveOneOut(ds) : timeSplit(ds);
}
