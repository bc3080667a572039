// Preloaded (NODE_OPTIONS=--import) into every process of a compiled server a test runs, its
// workers included: any import of a development dependency fails, as it would on a machine
// installed with `npm ci --omit=dev`.
import { register } from 'node:module';

register('./production-imports-hooks.mjs', import.meta.url);
