// "Record Space": the host's switch, before the Space (over HTTP) and during it (an action).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Space } from '../../../src/spaces/index.js';
import { HOST, T0, addCohost, assertRejected, liveSpace, scheduledSpace } from './helpers.js';

describe('recording switch', () => {
  it('starts off unless the Space was created with it on', () => {
    assert.equal(liveSpace().recording, false);
    const s = new Space({ id: 's', title: 't', hostId: HOST, hostHandle: '@host', state: 'scheduled', scheduledFor: T0, recording: true });
    assert.equal(s.recording, true);
  });

  it('the host turns it on for a scheduled Space, and it stays on when the Space starts', () => {
    const s = scheduledSpace();
    assert.deepEqual(s.setRecording(HOST, true, T0), [{ kind: 'recordingChanged', on: true }]);
    s.start(HOST, T0 + 1);
    assert.equal(s.recording, true);
  });

  it('setting the same value again changes nothing and reports nothing', () => {
    const s = liveSpace();
    assert.deepEqual(s.act(HOST, { action: 'setRecording', on: false }, T0), []);
    s.act(HOST, { action: 'setRecording', on: true }, T0);
    assert.deepEqual(s.act(HOST, { action: 'setRecording', on: true }, T0), []);
    assert.deepEqual(s.act(HOST, { action: 'setRecording', on: false }, T0), [{ kind: 'recordingChanged', on: false }]);
    assert.equal(s.recording, false);
  });

  it('nobody but the host may set it, and an ended Space refuses', () => {
    const s = liveSpace();
    addCohost(s, 'co1');
    assertRejected(s, 'not_permitted', () => s.setRecording('co1', true, T0));
    assertRejected(s, 'not_permitted', () => s.act('co1', { action: 'setRecording', on: true }, T0));
    s.end('operator', T0);
    assertRejected(s, 'space_ended', () => s.setRecording(HOST, true, T0));
  });
});
