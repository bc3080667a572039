// The SDK in a cluster: a join on a node that does not run the Space is answered with a
// redirect to the owner and close code 4010; a hand-off closes with 4010 alone. Real `ws`
// servers on loopback stand in for the nodes, each answering joins as a test script says.
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { SignallingClient, type ConnectionStatus, type WebSocketLike } from '../../../src/sdk/signalling.js';
import type { ServerMessage } from '../../../src/protocol/messages.js';

const MOVED = 4010;

interface Join {
  /** 1 for this node's first join. */
  n: number;
  socket: WebSocket;
}

class FakeNode {
  joins = 0;
  readonly sockets = new Set<WebSocket>();
  /** What this node does with a join. */
  onJoin: (join: Join) => void = ({ socket }) => this.welcome(socket);

  private constructor(
    readonly name: string,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string };
        if (msg.type === 'join') this.onJoin({ n: ++this.joins, socket });
      });
    });
  }

  static async start(name: string): Promise<FakeNode> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    return new FakeNode(name, wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  welcome(socket: WebSocket): void {
    send(socket, { type: 'welcome', rid: 'join', you: { userId: 'u1', handle: this.name, guest: true }, iceServers: [] });
  }

  redirect(socket: WebSocket, to: string): void {
    send(socket, { type: 'redirect', rid: 'join', url: to });
    socket.close(MOVED, 'moved');
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function send(socket: WebSocket, msg: ServerMessage): void {
  socket.send(JSON.stringify(msg));
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nodes: FakeNode[] = [];
const clients: SignallingClient[] = [];

async function node(name: string): Promise<FakeNode> {
  const n = await FakeNode.start(name);
  nodes.push(n);
  return n;
}

/** A client of `entry`, with every connection it opens and every welcome it gets recorded. */
function client(entry: FakeNode, reconnectWindowMs = 60_000) {
  const opened: string[] = [];
  const welcomedBy: string[] = [];
  const statuses: ConnectionStatus[] = [];
  const c = new SignallingClient({
    url: entry.url,
    spaceId: 'space-1',
    reconnectWindowMs,
    createSocket: (url) => {
      opened.push(url);
      return new WebSocket(url) as unknown as WebSocketLike;
    },
  });
  c.on('welcome', (m) => welcomedBy.push(m.you.handle));
  c.onStatus((s) => statuses.push(s));
  clients.push(c);
  return { c, opened, welcomedBy, statuses };
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

after(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

describe('sdk: signalling in a cluster', { timeout: 60_000 }, () => {
  it('follows a redirect to the owner and is welcomed there', async () => {
    const entry = await node('entry');
    const owner = await node('owner');
    entry.onJoin = ({ socket }) => entry.redirect(socket, owner.url);
    const { c, opened, welcomedBy } = client(entry);
    const welcome = await c.connect();
    assert.equal(welcome.you.handle, 'owner');
    assert.deepEqual(opened, [entry.url, owner.url]);
    assert.deepEqual(welcomedBy, ['owner']);
    assert.equal(c.status, 'connected');
    assert.equal(entry.joins, 1);
    assert.equal(owner.joins, 1);
  });

  it('after a drop, joins again through the entry URL, not the node it was sent to', async () => {
    const entry = await node('entry');
    const owner = await node('owner');
    entry.onJoin = ({ socket }) => entry.redirect(socket, owner.url);
    const { c, opened, welcomedBy, statuses } = client(entry);
    await c.connect();
    // The owner dies (no close frame): the client cannot know whether the Space is still there.
    for (const s of owner.sockets) s.terminate();
    await waitFor(() => welcomedBy.length === 2, 'a second welcome');
    assert.deepEqual(opened, [entry.url, owner.url, entry.url, owner.url]);
    assert.deepEqual(welcomedBy, ['owner', 'owner']);
    assert.equal(entry.joins, 2);
    assert.ok(statuses.includes('reconnecting'));
    assert.equal(c.status, 'connected');
  });

  it('a 4010 without a redirect (the Space was handed off) rejoins through the entry URL', async () => {
    const entry = await node('entry');
    const owner = await node('owner');
    entry.onJoin = ({ socket }) => entry.redirect(socket, owner.url);
    const { c, opened, welcomedBy } = client(entry);
    await c.connect();
    // The Space moves to the entry node; the old owner hands it off.
    entry.onJoin = ({ socket }) => entry.welcome(socket);
    for (const s of owner.sockets) s.close(MOVED, 'moved');
    await waitFor(() => welcomedBy.length === 2, 'a welcome from the new owner');
    assert.deepEqual(opened, [entry.url, owner.url, entry.url]);
    assert.deepEqual(welcomedBy, ['owner', 'entry']);
    assert.equal(owner.joins, 1);
    assert.equal(c.status, 'connected');
    assert.equal(c.closeCode, MOVED);
  });

  it('follows up to five redirects in a row at once, without the reconnect backoff', async () => {
    const looping = await node('looping');
    // Redirects to itself five times, then welcomes. The reconnect window is 0: any step
    // through the backoff would give up, so reaching the welcome shows that none did.
    looping.onJoin = ({ n, socket }) => (n <= 5 ? slowRedirect(looping, socket, looping.url) : looping.welcome(socket));
    const { c, opened, welcomedBy } = client(looping, 0);
    await c.connect();
    assert.equal(opened.length, 6);
    assert.deepEqual(welcomedBy, ['looping']);
  });

  it('after more than five redirects in a row, falls back to the usual backoff (which gives up when its window is over)', async () => {
    const looping = await node('looping');
    looping.onJoin = ({ socket }) => slowRedirect(looping, socket, looping.url);
    const { c, opened, statuses } = client(looping, 0);
    // connect() rejects when the client gives up before any welcome (it used to never settle).
    await assert.rejects(
      c.connect(),
      (err: Error & { code?: string }) => err.code === 'closed' && /gave up before joining \(close code 4010\)/.test(err.message),
    );
    assert.equal(c.status, 'closed');
    // The entry join and five redirects followed; the sixth went through the backoff, whose
    // window (0) was over.
    assert.equal(looping.joins, 6);
    assert.equal(opened.length, 6);
    assert.equal(c.closeCode, MOVED);
    assert.equal(statuses.at(-1), 'closed');
  });

  it('with time left in its window, the backoff keeps following a redirect loop until a node welcomes', async () => {
    const looping = await node('looping');
    looping.onJoin = ({ n, socket }) => (n <= 7 ? looping.redirect(socket, looping.url) : looping.welcome(socket));
    const { c, opened, welcomedBy } = client(looping);
    await c.connect();
    assert.equal(opened.length, 8);
    assert.deepEqual(welcomedBy, ['looping']);
  });

  it('a welcome starts the count of redirects again', async () => {
    const looping = await node('looping');
    // Window 0 as above: only redirects followed at once can reach a welcome.
    looping.onJoin = ({ n, socket }) => (n <= 4 ? slowRedirect(looping, socket, looping.url) : looping.welcome(socket));
    const { c, welcomedBy } = client(looping, 0);
    await c.connect();
    assert.equal(looping.joins, 5);
    // A hand-off, then five more redirects: nine since the entry join, five since the welcome.
    looping.onJoin = ({ n, socket }) => (n <= 5 + 1 + 4 ? slowRedirect(looping, socket, looping.url) : looping.welcome(socket));
    for (const s of looping.sockets) s.close(MOVED, 'moved');
    await waitFor(() => welcomedBy.length === 2 || c.status === 'closed', 'a second welcome, or the client giving up');
    assert.deepEqual(welcomedBy, ['looping', 'looping']);
    assert.equal(looping.joins, 11);
    assert.equal(c.status, 'connected');
  });
});

/**
 * A redirect sent a few milliseconds late, so that the client's clock moves on between its
 * first redirect and its sixth and a reconnect window of 0 is surely over by then.
 */
function slowRedirect(n: FakeNode, socket: WebSocket, to: string): void {
  setTimeout(() => n.redirect(socket, to), 3);
}
