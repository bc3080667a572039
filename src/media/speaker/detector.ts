// Dominant-speaker detection over the RFC 6464 audio levels the server already reads from
// every publisher's packets. Two implementations behind one interface:
//   - 'ours' (floor-detector.ts): per-speaker noise floors, talkspurts and floor-taking rules;
//   - 'reference' (volfin-cohen.ts): Volfin & Cohen (2012) with Jitsi's parameters, the
//     algorithm of Jitsi's DominantSpeakerIdentification and mediasoup's ActiveSpeakerObserver.
// Both use the levels alone (no decoded audio); the V bit is accepted but not relied on,
// because browsers set it inconsistently (and on coughs and clicks as readily as on words).
import { FloorDetector, type FloorDetectorOptions } from './floor-detector.js';
import { VolfinCohenDetector, type VolfinCohenOptions } from './volfin-cohen.js';
import type { SpeakerDetector } from './speaker-detector.js';

export type { SpeakerDetector } from './speaker-detector.js';

export type DetectorKind = 'ours' | 'reference';
export const DETECTOR_KINDS: readonly DetectorKind[] = ['ours', 'reference'];

export function createDetector(kind: 'ours', options?: FloorDetectorOptions): SpeakerDetector;
export function createDetector(kind: 'reference', options?: VolfinCohenOptions): SpeakerDetector;
export function createDetector(kind: DetectorKind, options?: FloorDetectorOptions & VolfinCohenOptions): SpeakerDetector;
export function createDetector(kind: DetectorKind, options?: FloorDetectorOptions & VolfinCohenOptions): SpeakerDetector {
  switch (kind) {
    case 'ours':
      return new FloorDetector(options);
    case 'reference':
      return new VolfinCohenDetector(options);
    default:
      throw new Error(`unknown detector kind: ${String(kind)}`);
  }
}

export type { FloorDetectorOptions, VolfinCohenOptions };
