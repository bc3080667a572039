// What a load run does, validated: bounded in participants and time, and aimed at this
// machine only (load tests never target other hosts).
import { z } from 'zod';
import { MAX_STAGE } from '../spaces/limits.js';

export const MAX_PARTICIPANTS = 5000;
export const MAX_SECONDS = 600;

export const loadPlanSchema = z
  .object({
    /** Server base URL; must be loopback. */
    url: z.string().url(),
    /** Join an existing Space, or create one when absent. */
    spaceId: z.string().optional(),
    speakers: z.number().int().min(0).max(MAX_STAGE),
    /** How many speakers talk at once (they take turns). */
    talking: z.number().int().min(0).max(MAX_STAGE),
    videoPublishers: z.number().int().min(0).max(MAX_STAGE),
    listeners: z.number().int().min(0).max(MAX_PARTICIPANTS),
    joinRate: z.number().positive().max(1000),
    seconds: z.number().positive().max(MAX_SECONDS),
  })
  .refine((p) => p.talking <= p.speakers, { message: 'talking cannot exceed speakers' })
  .refine((p) => p.videoPublishers <= p.speakers, { message: 'video publishers are speakers with a camera' })
  .refine((p) => isLoopback(p.url), { message: 'load runs only against this machine (loopback addresses)' });

export type LoadPlan = z.infer<typeof loadPlanSchema>;

export function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
