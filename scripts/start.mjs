#!/usr/bin/env node
// `npm start`: builds the server and the web app when they are missing or older than their
// sources, then runs the compiled server on plain node.
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
ensureBuilt(root);
process.argv = [process.argv[0], `${root}dist/server/cli/main.js`, 'serve', ...process.argv.slice(2)];
await import('../dist/server/cli/main.js');
