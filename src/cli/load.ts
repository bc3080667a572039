// `spaces load`: the load generator from the command line. Prints a table and a JSON line.
import type { ParsedArgs } from './args.js';
import { formatReport, runLoad } from '../load/load-generator.js';

export async function load(args: ParsedArgs): Promise<void> {
  const f = args.flags;
  const num = (name: string, fallback: number) => (f[name] === undefined ? fallback : Number(f[name]));
  const report = await runLoad(
    {
      url: f.url ?? 'http://127.0.0.1:8080',
      ...(f.space ? { spaceId: f.space } : {}),
      speakers: num('speakers', 2),
      talking: num('talking', 1),
      videoPublishers: num('video', 0),
      listeners: num('listeners', 10),
      joinRate: num('join-rate', 20),
      seconds: num('seconds', 10),
    },
    (line) => process.stderr.write(`[load] ${line}\n`),
  );
  console.table(formatReport(report));
  console.log(JSON.stringify(report));
  process.exit(report.failed > 0 || report.silent > 0 ? 1 : 0);
}
