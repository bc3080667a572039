#!/usr/bin/env node
// The operator's command line. Each command declares its flags once, with their help: the
// strict parser and USAGE come from the same tables (for `serve`, the settings table).
import { parseCommandLine, type FlagKinds } from './args.js';
import { SettingsError, serveFlagOptions, settingsUsage } from '../settings.js';

interface FlagHelp {
  type: 'string' | 'boolean';
  help: string;
}

const LOAD_FLAGS: Record<string, FlagHelp> = {
  url: { type: 'string', help: 'server (default http://127.0.0.1:8080)' },
  space: { type: 'string', help: 'join this Space (default: create one)' },
  speakers: { type: 'string', help: 'speakers on stage, sending 50 packets/s (default 2)' },
  talking: { type: 'string', help: 'how many talk at once, taking turns (default 1)' },
  video: { type: 'string', help: 'speakers that also send a camera (default 0)' },
  listeners: { type: 'string', help: 'listeners (default 10)' },
  'join-rate': { type: 'string', help: 'listener joins per second (default 20)' },
  seconds: { type: 'string', help: 'measurement window after the joins (default 10)' },
};

const SPEAKER_DETECT_FLAGS: Record<string, FlagHelp> = {
  detector: { type: 'string', help: "ours (default) or reference: Volfin & Cohen's algorithm with Jitsi's parameters" },
  'decide-every': { type: 'string', help: 'milliseconds between decisions (default 50)' },
};

const kinds = (flags: Record<string, FlagHelp>): FlagKinds => Object.fromEntries(Object.entries(flags).map(([n, f]) => [n, f.type]));
const helpLines = (flags: Record<string, FlagHelp>): string =>
  Object.entries(flags)
    .map(([n, f]) => `      ${`--${n}${f.type === 'string' ? ' V' : ''}`.padEnd(30)} ${f.help}`)
    .join('\n');

const USAGE = `usage: spaces <command> [options]

commands:
  serve                    start the server (SQLite in ./data, no outside services); every
                           setting is a flag or an environment variable (the flag wins):
${settingsUsage()}
  load                     load generator against a running server (loopback only)
${helpLines(LOAD_FLAGS)}
  speaker-detect TRACE.json  run the server's dominant-speaker detector over a trace
${helpLines(SPEAKER_DETECT_FLAGS)}
  bot SPACE_URL            a voice bot (a development tool: bin/spaces bot, or npm run bot)
`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve': {
      const args = parseCommandLine(rest, serveFlagOptions());
      if (args.positional.length > 0) throw new Error(`serve takes no arguments: ${args.positional.join(' ')}`);
      const { serve } = await import('./serve.js');
      await serve(args.flags);
      break;
    }
    case 'load': {
      const { load } = await import('./load.js');
      await load(parseCommandLine(rest, kinds(LOAD_FLAGS)));
      break;
    }
    case 'speaker-detect': {
      const { speakerDetect } = await import('./speaker-detect.js');
      await speakerDetect(parseCommandLine(rest, kinds(SPEAKER_DETECT_FLAGS)));
      break;
    }
    default:
      process.stdout.write(USAGE);
      process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(err instanceof SettingsError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
});
