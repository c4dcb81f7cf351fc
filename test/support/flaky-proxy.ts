// A real HTTP proxy in front of a test server that fails requests on purpose: the client tests see real 5xx
// answers on a real socket (no mocked fetch), and read what each request carried.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy received it. */
export interface ProxiedRequest {
  method: string;
  url: string;
  body: string;
  /** The status the client got. */
  status: number;
  at: number;
}

/**
 * What to do with the n-th request (from 0): forward it, answer it with a status without forwarding
 * (`fail`), or forward it and then answer the client with a status instead of the server's answer
 * (`forwardThenFail`: the server acted, the client does not know it).
 */
export type ProxyPlan = (
  n: number,
  request: ProxiedRequest,
) => { forward: true } | { fail: number; retryAfter?: string } | { forwardThenFail: number };

export interface FlakyProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/** Listens on a free loopback port and forwards to `target` (e.g. `http://127.0.0.1:4321`) as `plan` says. */
export async function startFlakyProxy(target: string, plan: ProxyPlan): Promise<FlakyProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const seen: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        body: await readBody(req),
        status: 0,
        at: Date.now(),
      };
      const n = requests.length;
      requests.push(seen);
      const step = plan(n, seen);
      const answer = (status: number, headers: Record<string, string>, body: string) => {
        seen.status = status;
        res.writeHead(status, headers).end(body);
      };
      if ('fail' in step) {
        const body = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'failed on purpose by the test proxy', problems: [] } });
        return answer(
          step.fail,
          { 'content-type': 'application/json', ...(step.retryAfter ? { 'retry-after': step.retryAfter } : {}) },
          body,
        );
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const upstream = await fetch(`${target}${seen.url}`, {
        method: seen.method,
        headers,
        body: seen.method === 'GET' || seen.method === 'HEAD' ? undefined : seen.body,
      });
      const text = await upstream.text();
      if ('forwardThenFail' in step)
        return answer(
          step.forwardThenFail,
          { 'content-type': 'application/json' },
          '{"error":{"code":"INTERNAL","message":"lost","problems":[]}}',
        );
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
      });
      answer(upstream.status, out, text);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(599).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
