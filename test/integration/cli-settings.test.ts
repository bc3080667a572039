// `spaces serve` as operators run it (the compiled server through bin/spaces): a mistake in the
// settings or an unknown flag stops it at once with exit code 2 and says what is wrong, and it
// leaves nothing behind (no data directory, no worker).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledServerMain } from '../../scripts/build-state.mjs';

const CLI = fileURLToPath(new URL('../../bin/spaces', import.meta.url));

describe('spaces serve: settings from the command line and the environment', () => {
  let dir: string;
  before(() => {
    compiledServerMain(fileURLToPath(new URL('../..', import.meta.url))); // throws when stale
    dir = mkdtempSync(join(tmpdir(), 'spaces-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const serve = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(CLI, ['serve', '--data-dir', join(dir, 'data'), '--port', '0', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ...env },
    });

  it('an unknown flag is refused with exit code 2, before anything starts', () => {
    const r = serve(['--no-such-setting', '1']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Unknown option '--no-such-setting'/);
    assert.ok(!existsSync(join(dir, 'data')), 'no data directory was made');
  });

  it('every out-of-range setting is named in one message, flag or variable, with exit code 2', () => {
    const r = serve(['--media-port', '70000'], { SPACES_HLS_SEGMENT_SECONDS: '0', SPACES_SOCKETS_PER_ADDRESS: 'many' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--media-port "70000"/);
    assert.match(r.stderr, /SPACES_HLS_SEGMENT_SECONDS "0"/);
    assert.match(r.stderr, /SPACES_SOCKETS_PER_ADDRESS "many"/);
    assert.ok(!existsSync(join(dir, 'data')), 'no data directory was made');
  });

  it('--help lists every setting', () => {
    const r = spawnSync(CLI, ['--help'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['--media-workers', 'SPACES_HLS_SEGMENT_SECONDS', '--sockets-per-address', 'SPACES_TRUST_PROXY'])
      assert.ok(r.stdout.includes(name), name);
  });
});
