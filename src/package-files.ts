// Where the package's own files are. The server runs compiled (dist/server/…, on plain node)
// in production and from its TypeScript sources (src/…, through tsx) in tests and
// development; worker entries and the built web app are found the same way in both.
import { fileURLToPath } from 'node:url';

/** True when this module is the TypeScript source run through tsx, false when compiled. */
export const runningFromSource = import.meta.url.endsWith('.ts');

/** The package's root directory (where package.json is). */
export const packageRoot = fileURLToPath(new URL(runningFromSource ? '..' : '../..', import.meta.url));

/** A module of the server by its path under src/ without extension, as the running form has it. */
export function serverModule(path: string): string {
  return runningFromSource ? `${packageRoot}src/${path}.ts` : `${packageRoot}dist/server/${path}.js`;
}
