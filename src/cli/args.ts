// Command-line flags through node:util's parseArgs in strict mode: every command declares its
// flags, and an unknown or malformed one is an error (not silently ignored). Values stay text;
// each command (or the settings table, for `serve`) checks them.
import { parseArgs } from 'node:util';

export interface ParsedArgs {
  positional: string[];
  /** Flag name (without dashes) to its text; a boolean flag that is present is 'true'. */
  flags: Record<string, string>;
}

export type FlagKinds = Record<string, 'string' | 'boolean'>;

export function parseCommandLine(argv: string[], kinds: FlagKinds): ParsedArgs {
  const options = Object.fromEntries(Object.entries(kinds).map(([name, type]) => [name, { type }]));
  const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  const flags: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string') flags[name] = value;
    else if (value === true) flags[name] = 'true';
  }
  return { positional: positionals, flags };
}
