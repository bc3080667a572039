// Server configuration: how many people on stage each listener hears at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config.js';

describe('config: audible speakers', () => {
  it('defaults to 3, and takes the environment or, over it, the flag', () => {
    assert.equal(loadConfig({}).audibleSpeakers, 3);
    assert.equal(loadConfig({ SPACES_AUDIBLE_SPEAKERS: '5' }).audibleSpeakers, 5);
    assert.equal(loadConfig({ SPACES_AUDIBLE_SPEAKERS: '5' }, { 'audible-speakers': '13' }).audibleSpeakers, 13);
  });

  it('refuses anything but a whole number from 1 to 13', () => {
    for (const bad of ['0', '14', '2.5', 'three', '-1']) {
      assert.throws(() => loadConfig({ SPACES_AUDIBLE_SPEAKERS: bad }), /SPACES_AUDIBLE_SPEAKERS must be/);
    }
  });
});
