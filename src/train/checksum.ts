import { createHash } from 'node:crypto';

/** The registry's checksum of a version's artifact bytes: sha256, hex. */
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
