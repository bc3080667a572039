#!/usr/bin/env node
// `node scripts/ensure-built.mjs [server] [web]`: build what is missing or stale (benchmarks
// that run the compiled server call it first).
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build-state.mjs';

const names = process.argv.slice(2);
ensureBuilt(fileURLToPath(new URL('..', import.meta.url)), names.length ? names : undefined);
