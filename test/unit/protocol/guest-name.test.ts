// A guest's display name, as the server validates it (join and setName share the schema).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientMessageSchema, guestName } from '../../../src/protocol/messages.js';

describe('guestName', () => {
  it('trims, folds whitespace and keeps 1..32 characters', () => {
    assert.equal(guestName.parse('  Ana   María  '), 'Ana María');
    assert.equal(guestName.parse('Ana\u00a0\u3000B'), 'Ana B');
    assert.equal(guestName.parse('🎙️'.repeat(16)), '🎙️'.repeat(16));
    assert.equal(guestName.parse('x'.repeat(32)), 'x'.repeat(32));
    // NFC: the same name typed two ways is the same name.
    assert.equal(guestName.parse('Jose\u0301'), 'José');
  });

  it('refuses empty, too long, invisible and control characters', () => {
    for (const bad of ['', '   ', 'x'.repeat(33), '\u200b\u200b', 'Ana\nBob', 'tab\there', 'bell\u0007', 'evil\u202Eeman', 'nul\u0000']) {
      assert.equal(guestName.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('rides on join and setName', () => {
    const join = clientMessageSchema.parse({ type: 'join', spaceId: 's', guestName: ' Ana ' });
    assert.equal(join.type === 'join' && join.guestName, 'Ana');
    assert.equal(clientMessageSchema.safeParse({ type: 'setName', name: 'Ana\r\n' }).success, false);
  });
});
