#!/usr/bin/env node
// Runs every test file under test/ (unit, store, fuzz, integration, e2e) with node:test through tsx.
// test/unit needs nothing running; test/store needs PostgreSQL on 127.0.0.1:5432 (and SQLite).
// Node 20's test runner takes no globs, so we list the files ourselves.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
// Without arguments, two lanes one after the other: the tests that start no server process
// and hold no fixed port two files at a time (each file's process mostly waits on its own
// start-up), then the media, cluster and browser tests one file at a time.
const lanes = args.length
  ? [{ roots: args, concurrency: 1 }]
  : [
      { roots: ['test/unit', 'test/store', 'test/fuzz'], concurrency: 2 },
      { roots: ['test/integration', 'test/e2e'], concurrency: 1 },
    ];

function filesOf(roots) {
  const files = [];
  function walk(dir) {
    let entries;
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.test.ts')) files.push(path);
    }
  }
  for (const root of roots) {
    if (root.endsWith('.test.ts')) files.push(root);
    else walk(root);
  }
  return files;
}
// The media tests run one file at a time: they are timing-sensitive and the machine has 2 cores.
// A test file whose process never exits (a leaked handle) would otherwise hang CI until its
// own limit, so the whole run is stopped at 30 minutes.
const deadline = Date.now() + 30 * 60 * 1000;
let status = 0;
for (const lane of lanes) {
  const files = filesOf(lane.roots);
  if (files.length === 0) {
    console.error(`no test files found in ${lane.roots.join(', ')}`);
    process.exit(1);
  }
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${lane.concurrency}`, '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    timeout: Math.max(1000, deadline - Date.now()),
    killSignal: 'SIGKILL',
  });
  if (result.error) console.error(`test run stopped: ${result.error.message} (a test file that never exits keeps a handle open)`);
  if ((result.status ?? 1) !== 0) status = result.status ?? 1;
}
process.exit(status);
