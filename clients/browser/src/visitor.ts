// The visitor id: first-party, in localStorage (a cookie where storage is blocked), created only once
// tracking is allowed — before consent nothing is written to the visitor's browser.

const KEY = 'curio_vid';
const YEAR_S = 31_536_000;

/** `vis_` and 22 base64url characters (128 random bits): the form a publishable key may name (server: VISITOR_ID_PATTERN). */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return (
    prefix +
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
  );
}

function readCookie(): string | null {
  const match = document.cookie.match(/(?:^|; )curio_vid=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : null;
}

/** The stored visitor id, or null when there is none (nothing is created here). */
export function storedVisitorId(): string | null {
  try {
    const id = localStorage.getItem(KEY);
    if (id) return id;
  } catch {
    // Storage blocked (privacy modes): the cookie is the fallback.
  }
  return readCookie();
}

/** The visitor id, created and stored on first use. */
export function ensureVisitorId(): string {
  const existing = storedVisitorId();
  if (existing) return existing;
  const id = newId('vis_');
  try {
    localStorage.setItem(KEY, id);
  } catch {
    document.cookie = `${KEY}=${id}; max-age=${YEAR_S}; path=/; SameSite=Lax${location.protocol === 'https:' ? '; Secure' : ''}`;
  }
  return id;
}

/** Forgets the visitor: consent withdrawn. */
export function forgetVisitorId(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing stored there
  }
  document.cookie = `${KEY}=; max-age=0; path=/`;
}
