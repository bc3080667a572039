// A short run of the load generator against a real server: a few listeners, a few seconds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { ZodError } from 'zod';
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
    // How many packets a second arrive is a measure of the machine (bench:capacity), not of the generator.
    assert.ok(report.listenerPps.min > 0, `every listener measured a packet rate, got min ${report.listenerPps.min}`);
    assert.equal(report.lossPercent, 0, 'loopback loses nothing');
  });

  it('refuses to target another machine, for that reason and no other', async () => {
    const plan = { speakers: 1, talking: 1, videoPublishers: 0, listeners: 1, joinRate: 1, seconds: 1 };
    const refusal = (err: unknown) => {
      assert.ok(err instanceof ZodError, `a plan refused before anything is sent, got ${String(err)}`);
      assert.deepEqual(
        err.issues.map((i) => i.message),
        ['load runs only against this machine (loopback addresses)'],
      );
      return true;
    };
    for (const url of ['http://10.1.2.3:8080', 'http://example.com', 'http://127.0.0.1.example.com:8080', 'http://[::2]:8080']) {
      await assert.rejects(runLoad({ url, ...plan }), refusal, url);
    }
  });
});
