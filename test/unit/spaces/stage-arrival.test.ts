// No hot mic: whoever comes on stage from the audience (approved, accepting an invitation, made
// co-host) arrives muted and is heard only once they unmute themselves. The media plane gates
// audio on this flag, so it is what keeps listeners from hearing a speaker who is not ready.
// The host of a new Space goes live as before, and moving along the stage keeps the microphone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST, T0, act, addCohost, addInvitee, addListener, addRequester, addSpeaker, liveSpace, person, scheduledSpace } from './helpers.js';

const mutedOf = (space: ReturnType<typeof liveSpace>, id: string) => space.participant(id)?.muted;

describe('coming on stage: muted until they unmute themselves', () => {
  it('an approved speaker arrives muted, without a muteChanged (nobody muted them)', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    const events = act(space, HOST, { action: 'approve', userId: 'req' });
    assert.equal(mutedOf(space, 'req'), true);
    assert.equal(
      events.some((e) => e.kind === 'muteChanged'),
      false,
    );
    // Only they can go live (there is no unmuting someone else), and their own unmute is reported.
    assert.deepEqual(act(space, 'req', { action: 'setMicMuted', muted: false }), [{ kind: 'muteChanged', userId: 'req', muted: false, by: 'req' }]);
    assert.equal(mutedOf(space, 'req'), false);
  });

  it('an invitee who accepts arrives muted', () => {
    const space = liveSpace();
    addInvitee(space, 'inv');
    act(space, 'inv', { action: 'acceptInvite' });
    assert.equal(space.participant('inv')?.role, 'speaker');
    assert.equal(mutedOf(space, 'inv'), true);
  });

  it('a listener made co-host arrives muted; a speaker made co-host keeps their microphone', () => {
    const space = liveSpace();
    addListener(space, 'lis');
    act(space, HOST, { action: 'makeCohost', userId: 'lis' });
    assert.equal(mutedOf(space, 'lis'), true);

    addSpeaker(space, 'live');
    act(space, HOST, { action: 'makeCohost', userId: 'live' });
    assert.equal(mutedOf(space, 'live'), false, 'a live speaker stays live');
    act(space, HOST, { action: 'removeCohost', userId: 'live' });
    assert.equal(mutedOf(space, 'live'), false, 'and stays live when dismissed as co-host');
  });

  it('someone moved to the audience and brought back arrives muted again', () => {
    const space = liveSpace();
    addSpeaker(space, 'spk');
    assert.equal(mutedOf(space, 'spk'), false);
    act(space, HOST, { action: 'moveToAudience', userId: 'spk' });
    assert.equal(mutedOf(space, 'spk'), false, 'listeners have no microphone to mute');
    act(space, 'spk', { action: 'requestToSpeak' });
    act(space, HOST, { action: 'approve', userId: 'spk' });
    assert.equal(mutedOf(space, 'spk'), true);
  });

  it('the host starting their own Space goes live at once', () => {
    const space = scheduledSpace();
    space.join(person(HOST), T0);
    space.start(HOST, T0);
    assert.equal(mutedOf(space, HOST), false);
  });

  it('a co-host handed the host role keeps their microphone as it was', () => {
    const live = liveSpace();
    addCohost(live, 'co');
    live.leave(HOST, T0 + 1);
    assert.equal(live.hostId, 'co');
    assert.equal(mutedOf(live, 'co'), false);

    const quiet = liveSpace();
    addListener(quiet, 'co');
    act(quiet, HOST, { action: 'makeCohost', userId: 'co' });
    quiet.leave(HOST, T0 + 1);
    assert.equal(quiet.hostId, 'co');
    assert.equal(mutedOf(quiet, 'co'), true, 'a new host who never unmuted is still not heard');
  });

  it('a rejoin keeps a newcomer muted', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    act(space, HOST, { action: 'approve', userId: 'req' });
    space.disconnect('req');
    space.join(person('req'), T0 + 1);
    assert.equal(mutedOf(space, 'req'), true);
  });
});
