import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** Request headers with lower-cased names, repeated ones joined as Node would print them. */
export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An HTTP server for a fake: a handler that throws answers 500 with the JSON `errorBody(e)`, or
 * drops the connection if its answer had already begun, so a fake's own bug shows as a failure.
 */
export function fakeServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  errorBody: (e: unknown) => unknown,
): Server {
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(e)));
      } else res.destroy();
    });
  });
}

/** Starts `server` on 127.0.0.1 at `port` (any free port if none) and returns the port it got. */
export async function listenLocally(server: NetServer, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
