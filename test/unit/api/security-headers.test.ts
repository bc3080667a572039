// The Content-Security-Policy's connect-src, through a real Fastify instance: this origin only,
// and in a cluster the WebSockets of the nodes the operator listed, nothing else.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerSecurityHeaders } from '../../../src/api/security-headers.js';

async function connectSrc(nodeOrigins?: string[]): Promise<string[]> {
  const app = Fastify();
  await registerSecurityHeaders(app, { webDir: '/nonexistent', hlsBaseUrl: '/hls', https: false, ...(nodeOrigins ? { nodeOrigins } : {}) });
  app.get('/', async () => 'ok');
  try {
    const res = await app.inject({ method: 'GET', url: '/' });
    const csp = String(res.headers['content-security-policy'] ?? '');
    return /(?:^|;)connect-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
  } finally {
    await app.close();
  }
}

describe('security headers: connect-src', () => {
  it('allows only this origin on a single node', async () => {
    assert.deepEqual(await connectSrc(), ["'self'"]);
  });

  it("adds the ws:/wss: twin of each node's origin in a cluster, and no other scheme", async () => {
    assert.deepEqual(await connectSrc(['http://10.0.0.7:8080', 'https://*.nodes.example.com', 'https://node1.example.com']), [
      "'self'",
      'ws://10.0.0.7:8080',
      'wss://*.nodes.example.com',
      'wss://node1.example.com',
    ]);
  });
});
