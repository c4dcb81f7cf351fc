import { loadNativeAddon } from './kernels-native.js';

/** glibc's own initial mmap threshold: large buffers at or above it get mappings of their own. */
const MMAP_THRESHOLD_BYTES = 128 * 1024;

/** What a long-running process can ask of the C allocator (see native/src/memory.c for why). */
export interface Allocator {
  /**
   * Hands free pages inside malloc's heaps back to the system, off the calling thread where the addon can
   * (a trim of a large heap takes tens of milliseconds where system calls are dear); resolves when done.
   */
  trim(): Promise<void>;
}

let steady: Allocator | null | undefined;

/**
 * Keeps large buffers in mappings of their own for the rest of the process (glibc would otherwise raise
 * its threshold after the first large free, and later model swaps fragment the heap), and returns the
 * trim. Null without the native addon, or off glibc, where the allocator is left as it is.
 */
export function steadyAllocator(): Allocator | null {
  if (steady !== undefined) return steady;
  const addon = loadNativeAddon();
  // An addon built before these functions existed has neither: leave the allocator alone.
  if (typeof addon === 'string' || typeof addon.mallocMmapThreshold !== 'function') return (steady = null);
  const trim = async (): Promise<void> => {
    if (addon.mallocTrimAsync) await addon.mallocTrimAsync();
    else addon.mallocTrim();
  };
  steady = addon.mallocMmapThreshold(MMAP_THRESHOLD_BYTES) ? { trim } : null;
  return steady;
}
