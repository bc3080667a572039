// Capacity-based tiering (src/app/audience-tiers.ts): listeners take WebRTC places while
// there are some, the stage always gets one, and without HLS nobody is turned away.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AudienceTiers } from '../../../src/app/audience-tiers.js';

describe('AudienceTiers', () => {
  it('starts empty and keeps its settings', () => {
    const t = new AudienceTiers(3, true);
    assert.equal(t.webrtcPeers, 0);
    assert.equal(t.capacity, 3);
    assert.equal(t.hlsEnabled, true);
  });

  it('admits listeners up to capacity, then sends them to HLS', () => {
    const t = new AudienceTiers(3, true);
    assert.deepEqual([t.admitListener(), t.admitListener(), t.admitListener()], [true, true, true]);
    assert.equal(t.webrtcPeers, 3);
    assert.equal(t.admitListener(), false, 'the fourth goes to HLS');
    assert.equal(t.admitListener(), false);
    assert.equal(t.webrtcPeers, 3, 'a refused listener takes no place');
  });

  it("counts the peers the node serves for other nodes' Spaces (as their edge) against its capacity", () => {
    let borrowed = 2;
    const t = new AudienceTiers(3, true, () => borrowed);
    assert.equal(t.admitListener(), true);
    assert.equal(t.admitListener(), false, 'one own listener and two borrowed peers fill three places');
    borrowed = 0;
    assert.equal(t.admitListener(), true, 'the edge listeners left: places again');
    assert.equal(t.webrtcPeers, 2, 'only its own peers are its own');
  });

  it('a released place can be taken again', () => {
    const t = new AudienceTiers(2, true);
    t.admitListener();
    t.admitListener();
    assert.equal(t.admitListener(), false);
    t.release();
    assert.equal(t.webrtcPeers, 1);
    assert.equal(t.admitListener(), true);
    assert.equal(t.admitListener(), false);
  });

  it('always admits the stage, even beyond capacity, and the stage counts against listeners', () => {
    const t = new AudienceTiers(2, true);
    t.admitStage();
    t.admitStage();
    t.admitStage();
    assert.equal(t.webrtcPeers, 3, 'over capacity');
    assert.equal(t.admitListener(), false, 'no place left for listeners');
    t.release();
    t.release();
    assert.equal(t.webrtcPeers, 1);
    assert.equal(t.admitListener(), true);
    assert.equal(t.webrtcPeers, 2);
  });

  it('capacity 0 sends every listener to HLS, but not the stage', () => {
    const t = new AudienceTiers(0, true);
    assert.equal(t.admitListener(), false);
    t.admitStage();
    assert.equal(t.webrtcPeers, 1);
  });

  it('release never goes below 0', () => {
    const t = new AudienceTiers(1, true);
    t.release();
    t.release();
    assert.equal(t.webrtcPeers, 0);
    assert.equal(t.admitListener(), true, 'extra releases do not create places');
    assert.equal(t.admitListener(), false);
    t.release();
    t.release();
    assert.equal(t.webrtcPeers, 0);
  });

  it('without HLS, listeners beyond capacity are still admitted (and counted)', () => {
    const t = new AudienceTiers(2, false);
    for (let i = 0; i < 5; i++) assert.equal(t.admitListener(), true, `listener ${i}`);
    assert.equal(t.webrtcPeers, 5);
    for (let i = 0; i < 5; i++) t.release();
    assert.equal(t.webrtcPeers, 0);
  });
});
