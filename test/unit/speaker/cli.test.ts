// `spaces speaker-detect TRACE.json` end to end, as a child process through the CLI entry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Channel, traceOf } from './synth.js';

const MAIN = join(import.meta.dirname, '../../../src/cli/main.ts');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'speaker-detect', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('spaces speaker-detect', () => {
  let dir: string;
  let good: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'speaker-detect-'));
    good = join(dir, 'trace.json');
    const trace = traceOf({ a: new Channel().until(500).speech(3000), b: new Channel().until(4000).speech(3000) });
    writeFileSync(good, JSON.stringify({ ...trace, note: 'extra keys are ignored' }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one decision per change of speaker as a JSON array', () => {
    const r = cli(good);
    assert.equal(r.code, 0, r.stderr);
    const decisions = JSON.parse(r.stdout) as Array<{ atMs: number; speaker: string }>;
    assert.deepEqual(
      decisions.map((d) => d.speaker),
      ['a', 'b'],
    );
    assert.ok(decisions.every((d) => Number.isInteger(d.atMs)));
    assert.ok(decisions[0]!.atMs >= 500 && decisions[1]!.atMs >= 4000);
  });

  it('runs the reference with --detector reference', () => {
    const r = cli(good, '--detector', 'reference');
    assert.equal(r.code, 0, r.stderr);
    const decisions = JSON.parse(r.stdout) as Array<{ atMs: number; speaker: string }>;
    assert.deepEqual(
      decisions.map((d) => d.speaker),
      ['a', 'b'],
    );
    assert.ok(decisions.every((d) => d.atMs % 300 === 0));
  });

  it('exits 2 with a clear message on an invalid trace', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ frameMs: 20, speakers: ['a', 'b'], levels: { a: [1, 2], b: [1] } }));
    const r = cli(bad);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid trace:\n {2}levels\.b: has 1 frames, expected 2/);
  });

  it('exits 2 on a file that is missing or not JSON, and on bad options', () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'levels: nope');
    for (const [args, message] of [
      [[join(dir, 'missing.json')], /cannot read: ENOENT/],
      [[notJson], /not JSON/],
      [[good, '--detector', 'loudest'], /--detector must be one of ours, reference/],
      [[], /usage: spaces speaker-detect/],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
