import { createReadStream, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CurioError } from '../../core/index.js';

/** Consecutive lines of a file; `firstLine` is the 1-based number of `lines[0]`. */
export interface LineChunk {
  firstLine: number;
  lines: string[];
}

export interface LineReader {
  chunks: AsyncIterable<LineChunk>;
  bytesRead(): number;
  totalBytes: number;
}

const CHUNK_BYTES = 1 << 16;

/** The size of a file in bytes; a missing file is a BAD_INPUT error naming it. */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch (cause) {
    throw new CurioError('BAD_INPUT', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Reads a file as chunks of lines with their line numbers, in constant memory (one 64 KiB read at a time: a
 * chunk is parsed in one go, so a small one lets a batch write in flight take its next step soon).
 * Line endings \n and \r\n are accepted; a UTF-8 byte-order mark is dropped; the last line needs no newline.
 */
export function readLines(path: string): LineReader {
  const totalBytes = fileBytes(path);
  let bytes = 0;
  async function* chunks(): AsyncGenerator<LineChunk> {
    const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let next = 1;
    try {
      for await (const buf of stream as AsyncIterable<Buffer>) {
        bytes += buf.length;
        let text = rest + decoder.write(buf);
        if (next === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        if (lines.length === 0) continue;
        for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
        yield { firstLine: next, lines };
        next += lines.length;
      }
      const tail = (rest + decoder.end()).replace(/\r$/, '');
      if (tail.length > 0) yield { firstLine: next, lines: [tail] };
    } finally {
      stream.destroy();
    }
  }
  return { chunks: chunks(), bytesRead: () => bytes, totalBytes };
}
