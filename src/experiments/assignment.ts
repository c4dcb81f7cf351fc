import { createHash } from 'node:crypto';
import type { Arm } from './experiment.js';

/** A uniform number in (0, 1) from a SHA-256 of the parts (53 bits). */
function uniform(...parts: string[]): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  const high = digest.readUInt32BE(0) >>> 11; // 21 bits
  const low = digest.readUInt32BE(4); // 32 bits
  return (high * 4294967296 + low + 0.5) / 2 ** 53;
}

/**
 * The arm of a unit (user or visitor id) in an experiment, by weighted rendezvous hashing: each arm draws
 * −ln(u)/weight from a hash of (experiment, unit, arm) and the smallest wins, so arm a wins with probability
 * weight_a / Σ weights. It needs no assignment table and gives the same answer on every node and after a
 * restart; changing one arm's weight moves users only into or out of that arm (the others' draws do not
 * change), and adding an arm takes users only from the existing arms into the new one.
 */
export function assignArm(experimentId: string, unitId: string, arms: readonly Arm[]): Arm {
  let best = arms[0];
  let bestDraw = Number.POSITIVE_INFINITY;
  for (const arm of arms) {
    const draw = -Math.log(uniform(experimentId, unitId, arm.id)) / arm.weight;
    if (draw < bestDraw) {
      bestDraw = draw;
      best = arm;
    }
  }
  return best;
}
