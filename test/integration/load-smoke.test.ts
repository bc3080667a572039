// A short run of the load generator against a real server: a few listeners, a few seconds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { runLoad } from '../../src/load/load-generator.js';
import type { RunningServer } from '../../src/server.js';

describe('load generator smoke run', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  it('joins listeners at a rate and measures what they receive', async () => {
    const report = await runLoad({
      url: server.url.replace('localhost', '127.0.0.1'),
      speakers: 2,
      talking: 1,
      videoPublishers: 1,
      listeners: 6,
      joinRate: 20,
      seconds: 2,
    });
    assert.equal(report.joined, 6);
    assert.equal(report.failed, 0);
    assert.equal(report.silent, 0, 'every listener heard audio');
    assert.equal(report.joinMs.count, 6, 'a join time for every listener');
    assert.ok(report.joinMs.min > 0);
    assert.ok(report.listenerPps.min > 20, `a talking speaker is ~50 packets/s, got min ${report.listenerPps.min}`);
    assert.equal(report.lossPercent, 0, 'loopback loses nothing');
  });

  it('refuses to target another machine', async () => {
    await assert.rejects(runLoad({ url: 'http://10.1.2.3:8080', speakers: 1, talking: 1, videoPublishers: 0, listeners: 1, joinRate: 1, seconds: 1 }));
  });
});
