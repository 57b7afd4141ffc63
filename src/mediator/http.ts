import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VerdictError } from '../core/index.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'stopping';
  [key: string]: unknown;
}

export interface StatusServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The daemon's local status endpoint: `GET /health` (JSON; 200 when ok, 503 otherwise) and `GET /metrics`
 * (Prometheus text). Binds to loopback by default: it is for the operator's scraper, not the internet.
 */
export async function startStatusServer(options: {
  port: number;
  host?: string;
  health: () => HealthReport;
  metrics: () => Promise<string>;
  metricsContentType: string;
}): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health') {
      const h = options.health();
      res.writeHead(h.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`);
      return;
    }
    if (path === '/metrics') {
      options.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.metricsContentType }).end(text),
        (e) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(e as Error).message}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /health or /metrics\n');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new VerdictError('BAD_CONFIG', `cannot listen on ${host}:${options.port} (${e.code ?? e.message})`, { cause: e })),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
