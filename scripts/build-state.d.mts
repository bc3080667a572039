export function newestMtime(paths: string[]): number;
export function isStale(output: string, sources: string[]): boolean;
export const BUILDS: Record<'server' | 'web', { output: string; sources: string[] }>;
export function compiledServerMain(root: string): string;
export function ensureBuilt(root: string, names?: Array<'server' | 'web'>): void;
