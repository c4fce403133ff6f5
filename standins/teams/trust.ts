import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A `fetch` that trusts one extra CA (the stand-in certificate) in a process that started without
 * NODE_EXTRA_CA_CERTS — Jest running a single test file in band, or a demo process. Node 20's global fetch takes no
 * CA option (only an undici dispatcher, and undici is not a dependency), so this goes through `https.request`. Enough
 * of fetch for the Teams clients: method, headers, string bodies, abort signal, `redirect: 'error' | 'manual'`.
 */
export function fetchTrusting(caPem: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(
        url,
        { method: init.method ?? 'GET', headers, ca: caPem, signal: init.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 502;
            if (status >= 300 && status < 400 && init.redirect === 'error') {
              reject(new TypeError(`fetch failed: redirect to ${res.headers.location ?? '?'}`));
              return;
            }
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(name, v));
              else if (value !== undefined) responseHeaders.set(name, value);
            }
            const nullBody = status === 204 || status === 205 || status === 304;
            resolve(
              new Response(nullBody ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: responseHeaders,
              }),
            );
          });
        },
      );
      req.on('error', (err) =>
        reject(err.name === 'AbortError' ? err : new TypeError(`fetch failed: ${err.message}`, { cause: err })),
      );
      if (body !== undefined) req.write(body);
      req.end();
    });
  }) as typeof fetch;
}
