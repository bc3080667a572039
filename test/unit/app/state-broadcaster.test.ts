// The StateBroadcaster in a join storm, on mock timers: broadcasts are counted, never timed.
// 120 listeners join 5 ms apart (600 ms in all). With one flat 30 ms delay for every change,
// as before the audience-sized delays (commit 7a1573d), that storm makes a broadcast every
// 30 ms: 20 of them, each a snapshot to everyone, O(N²) bytes. Audience changes now wait
// 30 ms + 2 ms per connection, so the same storm makes far fewer; a stage change (a request
// to speak) still goes out within 30 ms in the middle of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateBroadcaster, BROADCAST_DELAY_MS } from '../../../src/app/state-broadcaster.js';
import type { Connection } from '../../../src/app/connection.js';
import type { ServerMessage } from '../../../src/protocol/messages.js';
import { HOST, T0, liveSpace, person } from '../spaces/helpers.js';

const LISTENERS = 120;
const JOIN_EVERY_MS = 5;
/** What one flat delay per change would send for this storm: one broadcast per 30 ms window. */
const FLAT_DELAY_BROADCASTS = Math.ceil((LISTENERS * JOIN_EVERY_MS) / BROADCAST_DELAY_MS);

/** A connection that keeps the state messages it was sent. */
function recordingConnection(): Connection & { states: Array<{ space: { listenerCount: number; requests?: Array<{ userId: string }> } }> } {
  const states: Array<{ space: { listenerCount: number; requests?: Array<{ userId: string }> } }> = [];
  return {
    states,
    send: (_msg: ServerMessage) => undefined,
    sendRaw: (json: string) => void states.push(JSON.parse(json) as (typeof states)[number]),
    close: () => undefined,
  };
}

function storm() {
  const space = liveSpace();
  const connections = new Map<string, Connection>();
  const host = recordingConnection();
  connections.set(HOST, host);
  const broadcaster = new StateBroadcaster(
    space,
    connections,
    () => null,
    () => false,
  );
  /** One listener arrives, as LiveSpace handles it: joined, connected, audience change scheduled. */
  const arrive = (id: string) => {
    space.join(person(id, true), T0);
    connections.set(id, recordingConnection());
    broadcaster.scheduleFor('listener');
  };
  return { space, host, broadcaster, arrive };
}

describe('StateBroadcaster in a join storm', () => {
  it(`tells everyone of ${LISTENERS} arrivals in far fewer broadcasts than one per ${BROADCAST_DELAY_MS} ms`, (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { host, arrive } = storm();
    for (let i = 0; i < LISTENERS; i++) {
      arrive(`l${i}`);
      t.mock.timers.tick(JOIN_EVERY_MS);
    }
    t.mock.timers.tick(2000);
    assert.equal(host.states.at(-1)?.space.listenerCount, LISTENERS, 'the last broadcast counts everyone');
    const broadcasts = host.states.length;
    t.diagnostic(`${broadcasts} broadcasts for ${LISTENERS} arrivals`);
    assert.ok(broadcasts >= 2, `the audience is told while the storm goes on (${broadcasts} broadcasts)`);
    assert.ok(broadcasts <= FLAT_DELAY_BROADCASTS / 2, `${broadcasts} broadcasts; a flat ${BROADCAST_DELAY_MS} ms delay would send ${FLAT_DELAY_BROADCASTS}`);
    t.mock.timers.tick(10_000);
    assert.equal(host.states.length, broadcasts, 'nothing more without a change');
  });

  it(`sends a request to speak within ${BROADCAST_DELAY_MS} ms in the middle of the storm`, (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { space, host, broadcaster, arrive } = storm();
    for (let i = 0; i < LISTENERS / 2; i++) {
      arrive(`l${i}`);
      t.mock.timers.tick(JOIN_EVERY_MS);
    }
    // Someone signed in (guests may not ask), already in the Space.
    space.join(person('asker'), T0);
    const before = host.states.length;
    space.act('asker', { action: 'requestToSpeak' }, T0);
    broadcaster.schedule();
    t.mock.timers.tick(BROADCAST_DELAY_MS);
    assert.equal(host.states.length, before + 1, 'one broadcast, at the stage deadline');
    assert.deepEqual(
      host.states.at(-1)?.space.requests?.map((r) => r.userId),
      ['asker'],
    );
  });
});
