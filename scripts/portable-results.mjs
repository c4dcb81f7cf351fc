// Rewrites absolute paths under this repository as relative ones in bench/results/*.json (results written
// before a bench learned to keep its recorded paths relative): the files must travel with the repository.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = new URL('../bench/results/', import.meta.url);
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const file = new URL(name, dir);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(root)) continue;
  writeFileSync(file, text.replaceAll(root, ''));
  console.log(`${name}: repository paths made relative`);
}
