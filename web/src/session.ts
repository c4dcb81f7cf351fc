// The signed-in key lives in sessionStorage only: it is gone when the tab closes and never written to disk
// by the console (docs/console.md, "Sign-in").
import type { Scope } from './api/types';

const KEY = 'curio.console.apiKey';

export const savedKey = (): string | null => sessionStorage.getItem(KEY);
export const saveKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);

/** What a key may do: admin holds every scope, as on the server (src/serve/auth.ts). */
export function allows(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}
