#!/usr/bin/env node
// Runs every test file under test/ (unit, store, fuzz, integration, e2e) with node:test through tsx.
// test/unit needs nothing running; test/store needs PostgreSQL on 127.0.0.1:5432 (and SQLite).
// Node 20's test runner takes no globs, so we list the files ourselves.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/store', 'test/fuzz', 'test/integration', 'test/e2e'];
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
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// One file at a time: the media tests are timing-sensitive and the machine has 2 cores.
// The suite takes about 6 minutes; a test file whose process never exits (a leaked handle)
// would otherwise hang CI until its own limit, so the run is stopped at 30 minutes.
const LIMIT_MS = 30 * 60 * 1000;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  timeout: LIMIT_MS,
  killSignal: 'SIGKILL',
});
if (result.error) console.error(`test run stopped: ${result.error.message} (a test file that never exits keeps a handle open)`);
process.exit(result.status ?? 1);
