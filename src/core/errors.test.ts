import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CurioError, parseOrThrow } from './errors.js';

const schema = z.object({ n: z.number().int().default(1), tags: z.array(z.string()) });

function thrown(fn: () => unknown): CurioError {
  try {
    fn();
  } catch (error) {
    return error as CurioError;
  }
  throw new Error('expected a throw');
}

describe('parseOrThrow', () => {
  it('returns the parsed value with defaults filled in', () => {
    expect(parseOrThrow(schema, { tags: ['a'] })).toEqual({ n: 1, tags: ['a'] });
  });

  it('throws BAD_INPUT with every issue as a problem, paths under the prefix', () => {
    const error = thrown(() => parseOrThrow(schema, { n: 1.5, tags: ['a', 2] }, { what: 'options', prefix: ['train'] }));
    expect(error).toBeInstanceOf(CurioError);
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe('invalid options');
    expect(error.problems.map((p) => p.path)).toEqual(['train.n', 'train.tags.1']);
    expect(error.cause).toBeInstanceOf(z.ZodError);
  });

  it('words the message from a string, a fixed message or the problems', () => {
    expect(thrown(() => parseOrThrow(schema, null, 'flags')).message).toBe('invalid flags');
    expect(thrown(() => parseOrThrow(schema, null)).problems[0].path).toBe('(root)');
    expect(thrown(() => parseOrThrow(schema, {}, { message: 'bad header' })).message).toBe('bad header');
    const listed = thrown(() => parseOrThrow(schema, {}, { message: (ps) => ps.map((p) => p.path).join(',') }));
    expect(listed.message).toBe('tags');
  });
});
