// Spaces that never end, fixed: a Space created live whose host never joins ends when the host
// grace runs out, and so does a Space restored after a kill -9 whose host does not come back,
// both with Record on: the encoder stops (no ffmpeg is left running) and the recording is
// finished.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, randomMediaPort } from '../helpers/server.js';
import { account, joinSpace, sleep, waitFor } from '../helpers/clients.js';
import { childrenOf, commandOf } from '../helpers/processes.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import type { SpaceSummary } from '../../src/protocol/messages.js';
import { finishedRecording } from '../helpers/recordings.js';

const GRACE_MS = 1500;

async function spaceState(url: string, id: string): Promise<SpaceSummary & { endReason?: string }> {
  return (await (await fetch(`${url}/api/spaces/${id}`)).json()) as SpaceSummary;
}

/** The ffmpeg processes under a process (the codec worker's encoders). */
function encodersUnder(pid: number): number[] {
  const out: number[] = [];
  for (const c of childrenOf(pid)) {
    if (commandOf(c) === 'ffmpeg') out.push(c);
    out.push(...encodersUnder(c));
  }
  return out;
}

describe('Space lifecycle without its host', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('a recorded Space created live ends when its host never joins, and its encoder stops', async () => {
    const server = await startTestServer({ hostGraceMs: GRACE_MS });
    cleanups.push(() => server.close());
    const hostApi = await account(server);
    const { id } = await hostApi.createSpace('Nobody came', undefined, { record: true });
    await waitFor(() => encodersUnder(server.codec.pid!).length > 0, 15_000, 'the recording encoder');
    // A listener alone does not keep it alive either.
    const listener = await joinSpace(server, id, { guest: true, canPublish: false });
    cleanups.push(async () => listener.close());
    await waitFor(() => listener.ended, GRACE_MS + 10_000, 'the Space ending');
    const state = await spaceState(server.url, id);
    assert.equal(state.state, 'ended');
    await waitFor(() => encodersUnder(server.codec.pid!).length === 0, 15_000, 'no encoder left running');
    const rec = await finishedRecording(hostApi, id);
    assert.equal(rec?.state, 'ready', 'the recording is finished');
  });

  it('a host who joins within the grace keeps the Space live', async () => {
    const server = await startTestServer({ hostGraceMs: GRACE_MS });
    cleanups.push(() => server.close());
    const hostApi = await account(server);
    const { id } = await hostApi.createSpace('Came in time');
    await sleep(GRACE_MS / 2);
    const host = await joinSpace(server, id, { api: hostApi });
    cleanups.push(async () => host.close());
    await sleep(GRACE_MS);
    assert.equal((await spaceState(server.url, id)).state, 'live');
  });

  it('a recorded Space restored after kill -9 ends when its host does not come back, and nothing keeps encoding', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spaces-lifecycle-'));
    const port = await freePort();
    const mediaPort = randomMediaPort();
    const env = { SPACES_HOST_GRACE_MS: String(GRACE_MS), SPACES_RECONNECT_GRACE_MS: String(GRACE_MS) };
    let proc: ServerProcess = await spawnServer({ dataDir, port, mediaPort, env });
    cleanups.push(async () => {
      await proc.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    });
    const server = { url: proc.url };
    const hostApi = await account(server);
    const { id } = await hostApi.createSpace('Restored, then abandoned', undefined, { record: true });
    const host = await joinSpace(server, id, { api: hostApi });
    await waitFor(() => encodersUnder(proc.child.pid!).length > 0, 15_000, 'the recording encoder');
    // The host's client is gone for good with the server (a closed laptop).
    host.close();
    await proc.kill9();
    proc = await spawnServer({ dataDir, port, mediaPort, env });
    assert.equal((await spaceState(proc.url, id)).state, 'live', 'restored as live');
    await waitFor(() => encodersUnder(proc.child.pid!).length > 0, 15_000, 'the recording resumed');
    let state = await spaceState(proc.url, id);
    for (const end = Date.now() + GRACE_MS + 10_000; state.state !== 'ended' && Date.now() < end;) {
      await sleep(200);
      state = await spaceState(proc.url, id);
    }
    assert.equal(state.state, 'ended', 'the restored Space ended without its host');
    await waitFor(() => encodersUnder(proc.child.pid!).length === 0, 15_000, 'no encoder left running');
    const rec = await finishedRecording(hostApi, id);
    assert.equal(rec?.state, 'ready', 'the recording is finished');
  });
});
