// `spaces bot` (or `npm run bot --`): a voice bot for testing a deployment. Prints JSON
// reports on stdout. A tool, not part of the server: it needs libwebrtc (@roamhq/wrtc, a
// development dependency) and runs from the sources through tsx.
import { parseCommandLine, type ParsedArgs } from '../src/cli/args.js';

export async function runBot(args: ParsedArgs): Promise<void> {
  const spaceUrl = args.positional[0];
  if (!spaceUrl) throw new Error('bot needs a Space URL, e.g. spaces bot http://localhost:8080/s/abc');
  const { VoiceBot } = await import('./voice-bot.js');
  const f = args.flags;
  const bot = new VoiceBot({
    spaceUrl,
    ...(f.handle ? { handle: f.handle } : {}),
    ...(f.password ? { password: f.password } : {}),
    requestStage: f.request === 'true',
    acceptInvites: f['accept-invites'] === 'true',
    ...(f.wav ? { wav: f.wav } : {}),
    log: (line) => process.stderr.write(`[bot] ${line}\n`),
  });
  await bot.start();
  const every = Number(f['report-every'] ?? 5) * 1000;
  const timer = setInterval(async () => {
    process.stdout.write(JSON.stringify(await bot.report()) + '\n');
    if (bot.ended) await finish();
  }, every);
  const duration = f.duration ? Number(f.duration) * 1000 : 0;
  let done = false;
  async function finish(): Promise<void> {
    if (done) return;
    done = true;
    clearInterval(timer);
    process.stdout.write(JSON.stringify({ final: true, ...(await bot.report()) }) + '\n');
    await bot.stop();
    // libwebrtc's audio source crashes at exit unless the process exits explicitly.
    process.exit(0);
  }
  if (duration > 0) setTimeout(finish, duration);
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);
}

const BOT_FLAGS = {
  handle: 'string',
  password: 'string',
  request: 'boolean',
  'accept-invites': 'boolean',
  wav: 'string',
  duration: 'string',
  'report-every': 'string',
} as const;

Promise.resolve()
  .then(() => runBot(parseCommandLine(process.argv.slice(2), BOT_FLAGS)))
  .catch((err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
