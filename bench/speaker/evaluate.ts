// Runs a detector over generated traces (through the same replay the CLI uses) and scores it.
import { createDetector, type DetectorKind, type FloorDetectorOptions, type VolfinCohenOptions } from '../../src/media/speaker/detector.js';
import { runTrace } from '../../src/media/speaker/trace.js';
import type { GeneratedTrace } from './conversation.js';
import { scoreConversation, summarize, type ConversationScore, type Summary } from './metrics.js';

export const DECIDE_EVERY_MS = 50;

export function evaluate(
  kind: DetectorKind,
  traces: GeneratedTrace[],
  options?: FloorDetectorOptions & VolfinCohenOptions,
): { summary: Summary; perConversation: ConversationScore[] } {
  const perConversation = traces.map((t) => scoreConversation(t, runTrace(createDetector(kind, options), t, DECIDE_EVERY_MS)));
  return { summary: summarize(perConversation), perConversation };
}
