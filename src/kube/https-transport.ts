import { request } from 'node:https';

import type { HttpRequest, HttpResponse } from './api-requests.js';

/** Sends one request and resolves with the whole response; rejects on network errors and timeouts. */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

export interface HttpsTransportOptions {
  /** `https://host:port` */
  readonly apiServer: string;
  /** CA bundle the API server's certificate must chain to (the service account's ca.crt). */
  readonly ca: Buffer;
  readonly timeoutMs?: number;
}

/** 1 MiB is far more than any Deployment: a bigger answer is not the API server. */
const MAX_RESPONSE_BYTES = 1 << 20;

/** A Transport over node:https that trusts only the given CA (never the system store, never unverified). */
export function httpsTransport(options: HttpsTransportOptions): Transport {
  const base = new URL(options.apiServer);
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const r = request(
        {
          protocol: 'https:',
          hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: base.port || 443,
          method: req.method,
          path: req.path,
          headers: req.headers,
          ca: options.ca,
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              res.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      r.on('timeout', () =>
        r.destroy(new Error(`no answer from ${base.origin} within ${options.timeoutMs ?? 30_000} ms`)),
      );
      r.on('error', reject);
      r.end(req.body);
    });
}
