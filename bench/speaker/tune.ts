// Tunes our detector's parameters on the training subset (coordinate descent over a grid,
// against the reference's scores on the same traces), subject to the unit tests' synthetic
// scenarios, chooses among the candidates on the dev subset, and never looks at the test
// subset.
//
//   npx tsx bench/speaker/tune.ts [--passes 4] [--restarts 4]
import { parseCommandLine } from '../../src/cli/args.js';
import { FLOOR_DETECTOR_DEFAULTS, type FloorDetectorOptions } from '../../src/media/speaker/floor-detector.js';
import { loadSubset } from './dataset.js';
import { evaluate } from './evaluate.js';
import type { Summary } from './metrics.js';
import { Rng } from './prng.js';
import { createDetector } from '../../src/media/speaker/detector.js';
import { runTrace } from '../../src/media/speaker/trace.js';
import { scenarioFailure, scenarios } from '../../test/unit/speaker/synth.js';

const { flags } = parseCommandLine(process.argv.slice(2), { passes: 'string', restarts: 'string' });
const passes = Number(flags.passes ?? 4);
const restarts = Number(flags.restarts ?? 4);
const traces = await loadSubset('train');
const ref = evaluate('reference', traces).summary;
// The objective is the worse of the two halves of the training set (odd and even
// conversations), each against the reference on the same half: a parameter set has to be
// good on both, not lucky on a few events.
const halves = [traces.filter((_, i) => i % 2 === 0), traces.filter((_, i) => i % 2 === 1)];
const halfRefs = halves.map((h) => evaluate('reference', h).summary);

const GRID: Partial<Record<keyof FloorDetectorOptions, number[]>> = {
  activeDb: [6, 7, 8, 9, 10, 11, 12],
  noiseSpreadK: [1.5, 2, 2.5, 3, 3.5],
  noiseSpreadDb: [0, 2, 4],
  floorRiseDbPerS: [1, 2, 3, 5, 8],
  bridgeMs: [160, 200, 240, 300, 360, 440],
  minDensity: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7],
  voicedDb: [3, 4, 5, 6, 7, 8, 9],
  syllableDb: [3, 4, 5, 6, 7, 8],
  syllableFrames: [1, 2, 3, 4],
  softDb: [6, 9, 12, 15, 99],
  quietMs: [160, 200, 240, 300, 360, 440],
  longQuietMs: [600, 800, 1000, 1200, 1500, 2000],
  // An interruption has to outlast any backchannel, which we take to be under a second.
  takeoverMs: [1100, 1200, 1300, 1400],
  takeoverSyllables: [2, 3, 4, 5, 6],
  takeoverMargin: [0, 0.1, 0.2, 0.3],
  quietTakeoverMs: [250, 300, 350, 400, 450, 500, 600, 700],
  quietSyllables: [1, 2, 3, 4, 5],
  afterSyllables: [0, 1, 2, 3],
  freeTakeoverMs: [200, 250, 300, 350, 400, 500],
  freeSyllables: [1, 2, 3],
};

/** Lower is better: false switches and median latency relative to the reference, then the rest. */
function cost(s: Summary, ref: Summary): number {
  const f = s.falseSwitchesPerMin / ref.falseSwitchesPerMin;
  const l = s.latencyMedianMs / ref.latencyMedianMs;
  return (
    2 * Math.max(f, l) +
    0.5 * (f + l) +
    0.5 * (s.latencyP95Ms / ref.latencyP95Ms) +
    0.5 * ((100 - s.accuracyPct) / (100 - ref.accuracyPct)) +
    0.1 * s.missedTurns
  );
}

// The behaviours the issue asks for (the unit tests' synthetic scenarios, with decisions
// every 20, 50 and 100 ms) are constraints: each one failed costs far more than any gain on
// the bench.
const SCENARIOS = scenarios().map((s) => ({ ...s, built: s.trace() }));
function failures(params: FloorDetectorOptions): number {
  let n = 0;
  for (const s of SCENARIOS) {
    for (const every of [20, 50, 100]) if (scenarioFailure(s, runTrace(createDetector('ours', params), s.built, every)) !== null) n++;
  }
  return n;
}

function objective(params: FloorDetectorOptions): { summary: Summary; cost: number } {
  let c = 10 * failures(params) + Math.max(...halves.map((h, i) => cost(evaluate('ours', h, params).summary, halfRefs[i]!)));
  if (Number.isNaN(c)) c = 1000; // names nobody at all
  return { summary: evaluate('ours', traces, params).summary, cost: c };
}

const show = (s: Summary) =>
  `acc ${s.accuracyPct.toFixed(1)}%  false ${s.falseSwitchesPerMin.toFixed(2)}/min  latency ${s.latencyMedianMs}/${s.latencyP95Ms} ms  missed ${s.missedTurns}`;

console.log(`reference: ${show(ref)}`);

/** Coordinate descent from `start`: one parameter at a time, over its grid, until nothing improves. */
function descend(start: FloorDetectorOptions, verbose: boolean): { params: FloorDetectorOptions; summary: Summary; cost: number } {
  let params = { ...start };
  let { summary, cost: c } = objective(params);
  for (let pass = 0; pass < passes; pass++) {
    let improved = false;
    for (const [key, values] of Object.entries(GRID) as Array<[keyof FloorDetectorOptions, number[]]>) {
      for (const v of values) {
        if (params[key] === v) continue;
        const trial = { ...params, [key]: v };
        const { summary: s, cost: tc } = objective(trial);
        if (tc < c - 1e-9) {
          params = trial;
          c = tc;
          summary = s;
          improved = true;
          if (verbose) console.log(`  ${key} = ${v}: ${show(s)}  cost ${tc.toFixed(3)}`);
        }
      }
    }
    if (!improved) break;
  }
  return { params, summary, cost: c };
}

// The candidates: descents from the current defaults and from a few random points of the
// grid (seeded). The one kept is the best on the dev subset by its worse relative gain over
// the reference (false switches or median latency): both have to improve.
const dev = await loadSubset('dev');
const devRef = evaluate('reference', dev).summary;
const balanced = (s: Summary) => Math.min(1 - s.falseSwitchesPerMin / devRef.falseSwitchesPerMin, 1 - s.latencyMedianMs / devRef.latencyMedianMs);
console.log(`reference on dev: ${show(devRef)}`);
const rng = new Rng(12345);
let best = descend({ ...FLOOR_DETECTOR_DEFAULTS }, true);
let bestDev = evaluate('ours', dev, best.params).summary;
console.log(`from the defaults: ${show(best.summary)}  cost ${best.cost.toFixed(3)}\n    dev: ${show(bestDev)}  gain ${balanced(bestDev).toFixed(3)}`);
for (let r = 0; r < restarts; r++) {
  const start: FloorDetectorOptions = { ...FLOOR_DETECTOR_DEFAULTS };
  for (const [key, values] of Object.entries(GRID) as Array<[keyof FloorDetectorOptions, number[]]>) start[key] = rng.pick(values);
  const found = descend(start, false);
  const onDev = evaluate('ours', dev, found.params).summary;
  console.log(`restart ${r + 1}: ${show(found.summary)}  cost ${found.cost.toFixed(3)}\n    dev: ${show(onDev)}  gain ${balanced(onDev).toFixed(3)}`);
  if (found.cost < 10 && balanced(onDev) > balanced(bestDev)) {
    best = found;
    bestDev = onDev;
  }
}
const bestSummary = best.summary;
const bestCost = best.cost;
console.log(`best:      ${show(bestSummary)}  cost ${bestCost.toFixed(3)}`);
const changed = Object.fromEntries(Object.entries(best.params).filter(([k, v]) => FLOOR_DETECTOR_DEFAULTS[k as keyof FloorDetectorOptions] !== v));
console.log(JSON.stringify(changed));
