// Whether a build output is missing or older than the sources it is built from. Used by
// `npm start` (which builds what is stale when the build tools are installed) and by the
// tests that run the compiled server as a process.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The newest modification time of any file under the given paths (files or directories). */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') visit(join(path, name));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of paths) visit(p);
  return newest;
}

/** True when `output` does not exist or is older than any file under `sources`. */
export function isStale(output, sources) {
  if (!existsSync(output)) return true;
  return statSync(output).mtimeMs < newestMtime(sources);
}

/**
 * The two builds, relative to the package root: the file each writes last, and its sources
 * (the web app's: its own tree and the parts of src/ that web/src imports).
 */
export const BUILDS = {
  server: { output: 'dist/server/.built', sources: ['src', 'tsconfig.build.json', 'tsconfig.base.json'] },
  web: { output: 'dist/web/index.html', sources: ['web', 'src/sdk', 'src/protocol', 'tsconfig.base.json'] },
};

/** Whether build `name` ('server' or 'web') under `root` is missing or older than its sources. */
function buildIsStale(root, name) {
  const { output, sources } = BUILDS[name];
  return isStale(
    join(root, output),
    sources.map((s) => join(root, s)),
  );
}

/**
 * The compiled server's entry, for tests and benchmarks that run it as a process; throws
 * when it is missing or older than the sources, rather than test yesterday's server.
 */
export function compiledServerMain(root) {
  if (buildIsStale(root, 'server')) {
    throw new Error('the compiled server is missing or older than src/: run `npm run build:server` (npm test does)');
  }
  return join(root, 'dist/server/cli/main.js');
}

const BUILD_TOOLS = { server: 'node_modules/typescript', web: 'node_modules/vite' };

/**
 * Builds each of `names` that is missing or older than its sources, when its build tool is
 * installed; a production install (`npm ci --omit=dev`) ships dist/ and uses it as it is.
 * Exits the process with a clear message when something is missing and cannot be built.
 */
export function ensureBuilt(root, names = ['server', 'web']) {
  for (const name of names) {
    if (!buildIsStale(root, name)) continue;
    const output = join(root, BUILDS[name].output);
    if (!existsSync(join(root, BUILD_TOOLS[name]))) {
      if (existsSync(output)) continue; // a shipped build whose sources were touched: use it
      console.error(`The ${name} is not built and its build tools are not installed: run \`npm ci\` (with the development dependencies), then \`npm start\`.`);
      process.exit(1);
    }
    console.error(`building the ${name}…`);
    const r = spawnSync('npm', ['run', `build:${name}`, '--silent'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
