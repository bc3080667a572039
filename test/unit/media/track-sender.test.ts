// A slot's sender asks the library whether its track is open only until it is (a native call
// per packet saved), and learns of a close from the send that throws.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TrackSender } from '../../../src/media/forwarding/track-sender.js';

function track(open: boolean) {
  const t = {
    open,
    asked: 0,
    sent: 0,
    isOpen: () => (t.asked++, t.open),
    sendMessageBinary: (_b: Buffer) => {
      if (!t.open) throw new Error('Track is closed');
      t.sent++;
      return true;
    },
  };
  return t;
}

describe('TrackSender', () => {
  it('asks whether the track is open until it is, then no more', () => {
    const t = track(false);
    const s = new TrackSender(t);
    assert.equal(s.isOpen, false);
    assert.equal(s.isOpen, false);
    t.open = true;
    assert.equal(s.isOpen, true);
    const asked = t.asked;
    for (let i = 0; i < 100; i++) {
      assert.equal(s.isOpen, true);
      assert.equal(s.send(Buffer.alloc(12)), true);
    }
    assert.equal(t.asked, asked, 'no native isOpen per packet once open');
    assert.equal(t.sent, 100);
  });

  it('a send on a closed track returns false instead of throwing, and the sender asks again', () => {
    const t = track(true);
    const s = new TrackSender(t);
    assert.equal(s.isOpen, true);
    t.open = false;
    assert.equal(s.send(Buffer.alloc(12)), false);
    assert.equal(s.isOpen, false);
    assert.equal(t.sent, 0);
  });
});
