import { CurioError } from '../../core/index.js';
import { amazonGroceryImporter } from './amazon-grocery.js';
import { csvImporter } from './csv.js';
import { digineticaImporter } from './diginetica.js';
import { jsonlImporter } from './jsonl.js';
import { obdImporter } from './obd.js';
import { sequencesImporter } from './sequences.js';
import { taobaoImporter } from './taobao.js';
import type { Importer } from './types.js';
import { yoochooseImporter } from './yoochoose.js';

/** Every import format, by id. A new format is one file plus one line here. */
export const IMPORTERS: ReadonlyMap<string, Importer> = new Map(
  [
    sequencesImporter,
    taobaoImporter,
    digineticaImporter,
    yoochooseImporter,
    amazonGroceryImporter,
    obdImporter,
    csvImporter,
    jsonlImporter,
  ].map((i) => [i.id, i]),
);

/** The importer for a format id; an unknown id is a BAD_INPUT error listing the known ones. */
export function getImporter(format: string): Importer {
  const importer = IMPORTERS.get(format);
  if (!importer) throw new CurioError('BAD_INPUT', `unknown import format "${format}"; known: ${[...IMPORTERS.keys()].join(', ')}`);
  return importer;
}
