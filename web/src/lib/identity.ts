// Avatars without photos: initials on a colour derived from the handle.

/** A stable hue in 0..359 for any string. */
export function hueFor(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return Math.abs(h) % 360;
}

/** "alice" → "A", "bob_smith" → "BS", "JaneDoe" → "JD", "dj42" → "D". */
export function initials(handle: string): string {
  const parts = handle
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[\s_\d]+/)
    .filter(Boolean);
  const first = parts[0]?.[0] ?? handle[0] ?? '?';
  const second = parts.length > 1 ? (parts[1]?.[0] ?? '') : '';
  return (first + second).toUpperCase();
}
