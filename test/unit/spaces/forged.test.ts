// Forged requests: what a modified client could send to grab powers it does not have, and
// the limits it could try to push past. Every one must fail with its exact code and change nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Space } from '../../../src/spaces/index.js';
import { HOST, T0, act, addCohost, addInvitee, addListener, addRequester, addSpeaker, assertRejected, liveSpace, person, roleOf } from './helpers.js';

/** A live Space whose stage holds exactly `n` people (host + speakers). */
function stageOf(n: number): Space {
  const space = liveSpace();
  for (let i = 1; i < n; i++) addSpeaker(space, `s${i}`);
  assert.equal(space.stageCount, n);
  return space;
}

describe('forged moderation', () => {
  it('a listener cannot approve a request', () => {
    const space = liveSpace();
    addListener(space, 'lis');
    addRequester(space, 'req');
    assertRejected(space, 'not_permitted', () => act(space, 'lis', { action: 'approve', userId: 'req' }));
    assert.equal(roleOf(space, 'req'), 'listener');
  });

  it('a listener cannot approve their own request', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    assertRejected(space, 'not_permitted', () => act(space, 'req', { action: 'approve', userId: 'req' }));
  });

  it('a co-host cannot end the Space', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    assertRejected(space, 'not_permitted', () => act(space, 'co', { action: 'end' }));
    assert.equal(space.state, 'live');
  });

  it('a co-host cannot make a co-host, not even of a speaker', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    addSpeaker(space, 'spk');
    assertRejected(space, 'not_permitted', () => act(space, 'co', { action: 'makeCohost', userId: 'spk' }));
    assertRejected(space, 'not_permitted', () => act(space, 'co', { action: 'removeCohost', userId: 'co' }));
  });

  it('a co-host cannot mute, move or remove the host', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    assertRejected(space, 'not_permitted', () => act(space, 'co', { action: 'mute', userId: HOST }));
    assertRejected(space, 'not_permitted', () => act(space, 'co', { action: 'moveToAudience', userId: HOST }));
    assertRejected(space, 'not_permitted', () => act(space, 'co', { action: 'remove', userId: HOST }));
  });

  it('a co-host cannot move or remove another co-host, but the host can', () => {
    const space = liveSpace();
    addCohost(space, 'co1');
    addCohost(space, 'co2');
    assertRejected(space, 'not_permitted', () => act(space, 'co1', { action: 'moveToAudience', userId: 'co2' }));
    assertRejected(space, 'not_permitted', () => act(space, 'co1', { action: 'remove', userId: 'co2' }));
    act(space, HOST, { action: 'moveToAudience', userId: 'co2' });
    assert.equal(roleOf(space, 'co2'), 'listener');
    act(space, HOST, { action: 'remove', userId: 'co1' });
    assert.equal(space.isBanned('co1'), true);
  });

  it('a speaker cannot mute another speaker, and nobody can act on a missing person', () => {
    const space = liveSpace();
    addSpeaker(space, 'a');
    addSpeaker(space, 'b');
    assertRejected(space, 'not_permitted', () => act(space, 'a', { action: 'mute', userId: 'b' }));
    assertRejected(space, 'not_permitted', () => act(space, 'a', { action: 'mute', userId: 'nobody' }));
    assertRejected(space, 'not_found', () => act(space, HOST, { action: 'mute', userId: 'nobody' }));
    assertRejected(space, 'not_found', () => act(space, 'nobody', { action: 'setMicMuted', muted: false }));
  });

  it('the host cannot remove, move or leave-stage themselves', () => {
    const space = liveSpace();
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'remove', userId: HOST }));
    assertRejected(space, 'not_permitted', () => act(space, HOST, { action: 'moveToAudience', userId: HOST }));
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'leaveStage' }));
  });
});

describe('bans', () => {
  it('a removed person cannot rejoin, a person who left can', () => {
    const space = liveSpace();
    addListener(space, 'troll');
    addListener(space, 'friend');
    assert.deepEqual(act(space, HOST, { action: 'remove', userId: 'troll' }), [{ kind: 'removed', userId: 'troll', by: HOST }]);
    assertRejected(space, 'banned', () => space.join(person('troll'), T0 + 1));
    space.leave('friend');
    assert.deepEqual(space.join(person('friend'), T0 + 2), [{ kind: 'joined', userId: 'friend' }]);
  });

  it('a ban from storage applies on join, and is listed for persistence', () => {
    const space = liveSpace({ banned: ['old-troll'] });
    assertRejected(space, 'banned', () => space.join(person('old-troll'), T0));
    assert.deepEqual([...space.bannedUsers()], ['old-troll']);
  });

  it('removing a speaker with a mic on takes them off stage too', () => {
    const space = liveSpace();
    addSpeaker(space, 'spk');
    act(space, HOST, { action: 'remove', userId: 'spk' });
    assert.deepEqual(
      space.stage().map((p) => p.userId),
      [HOST],
    );
    assert.equal(space.stageCount, 1);
  });
});

describe('stage limit (13 including hosts)', () => {
  it('approving a 14th person -> stage_full', () => {
    const space = stageOf(13);
    addRequester(space, 'r14');
    assertRejected(space, 'stage_full', () => act(space, HOST, { action: 'approve', userId: 'r14' }));
  });

  it('accepting an invitation to a stage that filled up meanwhile -> stage_full', () => {
    const space = stageOf(12);
    addInvitee(space, 'inv');
    addSpeaker(space, 's13');
    assertRejected(space, 'stage_full', () => act(space, 'inv', { action: 'acceptInvite' }));
    assert.equal(space.participant('inv')?.invited, true, 'the invitation stays, to accept later');
  });

  it('inviting to a full stage -> stage_full', () => {
    const space = stageOf(13);
    addListener(space, 'lis');
    assertRejected(space, 'stage_full', () => act(space, HOST, { action: 'invite', userId: 'lis' }));
  });

  it('making a listener co-host on a full stage -> stage_full; a speaker needs no new place', () => {
    const space = stageOf(13);
    addListener(space, 'lis');
    assertRejected(space, 'stage_full', () => act(space, HOST, { action: 'makeCohost', userId: 'lis' }));
    act(space, HOST, { action: 'makeCohost', userId: 's1' });
    assert.equal(roleOf(space, 's1'), 'cohost');
    assert.equal(space.stageCount, 13);
  });

  it('a freed place can be taken again', () => {
    const space = stageOf(13);
    addRequester(space, 'r14');
    act(space, 's5', { action: 'leaveStage' });
    act(space, HOST, { action: 'approve', userId: 'r14' });
    assert.equal(space.stageCount, 13);
  });

  it('custom limits are honoured', () => {
    const space = liveSpace({ limits: { maxCohosts: 1, maxStage: 2 } });
    addSpeaker(space, 'spk');
    addRequester(space, 'req');
    assertRejected(space, 'stage_full', () => act(space, HOST, { action: 'approve', userId: 'req' }));
    assert.throws(() => liveSpace({ limits: { maxCohosts: 1, maxStage: 0 } }), RangeError);
  });
});

describe('co-host limit', () => {
  it('a third co-host -> cohost_limit', () => {
    const space = liveSpace();
    addCohost(space, 'co1');
    addCohost(space, 'co2');
    addSpeaker(space, 'spk');
    assertRejected(space, 'cohost_limit', () => act(space, HOST, { action: 'makeCohost', userId: 'spk' }));
  });

  it('cohost_limit is checked before stage_full', () => {
    const space = liveSpace();
    addCohost(space, 'co1');
    addCohost(space, 'co2');
    for (let i = 4; i <= 13; i++) addSpeaker(space, `s${i}`);
    addListener(space, 'lis');
    assertRejected(space, 'cohost_limit', () => act(space, HOST, { action: 'makeCohost', userId: 'lis' }));
  });

  it('removing a co-host frees the slot and keeps them on stage as a speaker', () => {
    const space = liveSpace();
    addCohost(space, 'co1');
    addCohost(space, 'co2');
    addSpeaker(space, 'spk');
    act(space, HOST, { action: 'removeCohost', userId: 'co1' });
    assert.equal(roleOf(space, 'co1'), 'speaker');
    act(space, HOST, { action: 'makeCohost', userId: 'spk' });
    assert.equal(roleOf(space, 'spk'), 'cohost');
  });
});

describe('microphones: only their owner can unmute them', () => {
  it('there is no way to unmute someone else', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    addSpeaker(space, 'spk');
    act(space, HOST, { action: 'mute', userId: 'spk' });
    // setMicMuted only ever applies to the actor, whatever else a forged body carries.
    const forged = { action: 'setMicMuted', muted: false, userId: 'spk' } as const;
    act(space, HOST, forged);
    act(space, 'co', forged);
    assert.equal(space.participant('spk')?.muted, true);
    // Muting is the only moderator microphone action, and it only ever mutes.
    assert.deepEqual(act(space, HOST, { action: 'mute', userId: 'spk' }), []);
    assert.equal(space.participant('spk')?.muted, true);
    assert.deepEqual(act(space, 'spk', { action: 'setMicMuted', muted: false }), [{ kind: 'muteChanged', userId: 'spk', muted: false, by: 'spk' }]);
  });

  it('listeners have no microphone to mute or unmute', () => {
    const space = liveSpace();
    addListener(space, 'lis');
    assertRejected(space, 'invalid_state', () => act(space, 'lis', { action: 'setMicMuted', muted: false }));
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'mute', userId: 'lis' }));
  });

  it('muteAll by a co-host spares the host, and is quiet when everyone is muted', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    addSpeaker(space, 'spk');
    assert.deepEqual(act(space, 'co', { action: 'muteAll' }), [{ kind: 'muteChanged', userId: 'spk', muted: true, by: 'co' }]);
    assert.equal(space.participant(HOST)?.muted, false);
    assert.deepEqual(act(space, 'co', { action: 'muteAll' }), []);
  });
});

describe('guests', () => {
  it('a guest cannot request to speak', () => {
    const space = liveSpace();
    addListener(space, 'g', true);
    assertRejected(space, 'unauthenticated', () => act(space, 'g', { action: 'requestToSpeak' }));
  });

  it('a guest cannot be invited or made co-host', () => {
    const space = liveSpace();
    addListener(space, 'g', true);
    assertRejected(space, 'not_permitted', () => act(space, HOST, { action: 'invite', userId: 'g' }));
    assertRejected(space, 'not_permitted', () => act(space, HOST, { action: 'makeCohost', userId: 'g' }));
  });
});

describe('request and invitation state', () => {
  it('requesting twice, or from the stage, -> invalid_state', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    addSpeaker(space, 'spk');
    assertRejected(space, 'invalid_state', () => act(space, 'req', { action: 'requestToSpeak' }));
    assertRejected(space, 'invalid_state', () => act(space, 'spk', { action: 'requestToSpeak' }));
  });

  it('approving a request that was cancelled meanwhile -> invalid_state', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    act(space, 'req', { action: 'cancelRequest' });
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'approve', userId: 'req' }));
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'deny', userId: 'req' }));
  });

  it('inviting twice -> invalid_state; accepting clears a pending request as well', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    act(space, HOST, { action: 'invite', userId: 'req' });
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'invite', userId: 'req' }));
    assert.deepEqual(act(space, 'req', { action: 'acceptInvite' }), [
      { kind: 'roleChanged', userId: 'req', from: 'listener', to: 'speaker' },
      { kind: 'requestChanged', userId: 'req', requested: false },
      { kind: 'inviteChanged', userId: 'req', invited: false },
    ]);
    assert.deepEqual(space.requests(), []);
  });

  it('moving someone to the audience clears their state, so they must ask again', () => {
    const space = liveSpace();
    addSpeaker(space, 'spk');
    act(space, 'spk', { action: 'setMicMuted', muted: true });
    act(space, HOST, { action: 'moveToAudience', userId: 'spk' });
    const p = space.participant('spk');
    assert.deepEqual(
      { role: p?.role, muted: p?.muted, requested: p?.requested, invited: p?.invited, stageSeq: p?.stageSeq },
      { role: 'listener', muted: false, requested: false, invited: false, stageSeq: 0 },
    );
    assertRejected(space, 'invalid_state', () => act(space, 'spk', { action: 'setMicMuted', muted: false }));
  });
});
