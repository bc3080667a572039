// Timestamps are ISO-8601 strings in both SQLite and PostgreSQL; the app works in epoch ms.
export const toIso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const toMs = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
