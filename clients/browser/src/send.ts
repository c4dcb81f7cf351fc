// Requests the tracker makes are CORS "simple" requests — the publishable key in the URL, JSON sent as
// text/plain — so a page never waits for a preflight, and a beacon may leave as the page unloads.

/** Posts a JSON body as a beacon, falling back to a keepalive fetch where beacons are missing or refused (over their quota). */
export function beacon(url: string, body: unknown): void {
  const text = JSON.stringify(body);
  if (typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url, text)) return;
  void fetch(url, { method: 'POST', body: text, keepalive: true, headers: { 'content-type': 'text/plain' } }).catch(() => undefined);
}

/** A JSON request whose answer the page reads (the widget). */
export async function request<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(
    url,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain' } },
  );
  if (!res.ok) throw new Error(`curio: HTTP ${res.status}`);
  return (await res.json()) as T;
}
