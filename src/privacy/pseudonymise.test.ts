import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createPseudonymiser } from './pseudonymise.js';

describe('createPseudonymiser', () => {
  it('stores HMAC-SHA256 of the id when a secret is set', () => {
    const p = createPseudonymiser('a-secret-of-sixteen+');
    const expected = createHmac('sha256', 'a-secret-of-sixteen+').update('alice').digest('hex');
    expect(p('alice')).toBe(expected);
    expect(p('alice')).toBe(p('alice'));
    expect(p('alice')).not.toContain('alice');
    expect(p('bob')).not.toBe(p('alice'));
  });

  it('differs between secrets and passes ids through without one', () => {
    expect(createPseudonymiser('secret-number-one-x')('u1')).not.toBe(createPseudonymiser('secret-number-two-x')('u1'));
    expect(createPseudonymiser(null)('u1')).toBe('u1');
  });
  it('forgets an erased user by their pseudonym, and pseudonymises them alike afterwards', () => {
    const p = createPseudonymiser('a-secret-of-sixteen+');
    const stored = p('alice');
    p('bob');
    p.forget(stored);
    p.forget('not-a-pseudonym');
    expect(p('alice')).toBe(stored);
    expect(createPseudonymiser(null).forget('u1')).toBeUndefined();
  });
});
