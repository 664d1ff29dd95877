import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

/** A throwaway certificate authority and server certificates made with openssl, for TLS tests. */
export interface TestPki {
  dir: string;
  /** PEM file of the CA that signed the server certificates. */
  caFile: string;
  /** A server certificate (and key) for the given names, signed by the CA. */
  serverCert(names: string[]): { certFile: string; keyFile: string; cert: string; key: string };
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'plainfra-pki-'));
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    '/CN=plainfra test CA',
  ]);
  let n = 0;
  return {
    dir,
    caFile,
    serverCert(names) {
      n += 1;
      const base = join(dir, `server-${n}`);
      const san = names.map((name) => (/^[\d.]+$/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      writeFileSync(`${base}.ext`, `subjectAltName=${san}\n`);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`]);
      openssl([
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        caFile,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        `${base}.pem`,
        '-days',
        '2',
        '-extfile',
        `${base}.ext`,
      ]);
      return {
        certFile: `${base}.pem`,
        keyFile: `${base}.key`,
        cert: readFileSync(`${base}.pem`, 'utf8'),
        key: readFileSync(`${base}.key`, 'utf8'),
      };
    },
  };
}

const SSL_REQUEST_CODE = 80877103;

/**
 * Postgres over TLS in front of the machine's plain Postgres: answers the client's SSLRequest with
 * 'S', completes the TLS handshake with the given certificate, then relays the decrypted protocol to
 * the upstream server. A client that does not ask for TLS is cut off, so a passing connection proves
 * the client spoke TLS (and verified what its sslmode told it to).
 */
export async function startPostgresTlsProxy(opts: { cert: string; key: string; upstreamPort: number; upstreamHost?: string }) {
  const stats = { tlsSessions: 0, plaintextRefused: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.once('data', (first) => {
      const isSslRequest = first.length === 8 && first.readInt32BE(0) === 8 && first.readInt32BE(4) === SSL_REQUEST_CODE;
      if (!isSslRequest) {
        stats.plaintextRefused += 1;
        client.destroy();
        return;
      }
      client.write('S');
      const secure = new TLSSocket(client, { isServer: true, cert: opts.cert, key: opts.key });
      secure.once('secure', () => {
        stats.tlsSessions += 1;
        const upstream = connect(opts.upstreamPort, opts.upstreamHost ?? '127.0.0.1');
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        secure.pipe(upstream).pipe(secure);
        upstream.on('error', () => secure.destroy());
        secure.on('error', () => upstream.destroy());
      });
      secure.on('error', () => client.destroy());
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stats,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
