// The module resolution hook behind production-imports.mjs.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const devOnly = new Set(Object.keys(pkg.devDependencies ?? {}).filter((name) => !(name in (pkg.dependencies ?? {}))));

export async function resolve(specifier, context, nextResolve) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (devOnly.has(name)) {
    throw new Error(`the compiled server imports a development dependency, which a production install does not have: ${specifier} (from ${context.parentURL})`);
  }
  return nextResolve(specifier, context);
}
