#!/usr/bin/env node
// The operator's command line: `serve` runs the server, `bot` joins a Space as a voice bot.
import { parseArgs } from './args.js';

const USAGE = `usage: spaces <command> [options]

commands:
  serve                    start the server (SQLite in ./data, no outside services)
      --port N             HTTP port (default 8080, env SPACES_PORT)
      --host ADDR          bind address (default 0.0.0.0)
      --media-port N       the single UDP port for WebRTC media (default 40000)
      --media-announce IP  public address to announce behind NAT
      --audible-speakers N people on stage each listener hears at once (default 3)
      --database-url URL   SQLite file or postgres://… (default ./data/spaces.db)
  bot SPACE_URL            join a Space as a voice bot (real Opus via libwebrtc)
      --handle H           account to use (created if missing); guest listener without it
      --password P
      --request            ask to speak on joining
      --accept-invites     accept invitations to speak
      --wav FILE           speak this 16-bit PCM WAV in a loop while on stage
      --duration S         leave after S seconds (default: run until Ctrl-C)
      --report-every S     print a JSON report every S seconds (default 5)
  load                     load generator against a running server (loopback only)
      --url URL            server (default http://127.0.0.1:8080)
      --space ID           join this Space (default: create one)
      --speakers N         speakers on stage, sending 50 packets/s (default 2)
      --talking N          how many talk at once, taking turns (default 1)
      --video N            speakers that also send a camera (default 0)
      --listeners N        listeners (default 10)
      --join-rate R        listener joins per second (default 20)
      --seconds S          measurement window after the joins (default 10)
  speaker-detect TRACE.json  run the server's dominant-speaker detector over a trace
      --detector reference run Volfin & Cohen's algorithm (Jitsi parameters) instead
`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const args = parseArgs(rest);
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      await serve(args.flags);
      break;
    }
    case 'bot': {
      const { runBot } = await import('./bot.js');
      await runBot(args);
      break;
    }
    case 'load': {
      const { load } = await import('./load.js');
      await load(args);
      break;
    }
    case 'speaker-detect': {
      const { speakerDetect } = await import('./speaker-detect.js');
      await speakerDetect(args);
      break;
    }
    default:
      process.stdout.write(USAGE);
      process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
