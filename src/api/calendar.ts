// "Add to calendar" for a scheduled Space: one VEVENT in an iCalendar file (RFC 5545), built by
// hand because it is a few lines. What matters for calendars to accept it: CRLF line ends, lines
// folded at 75 octets (not characters: a title of emoji must not be cut inside a UTF-8
// sequence), TEXT values escaped, and times in UTC so that no time-zone table is needed.

/** How long the event lasts in the calendar: a Space has no planned end. */
export const DEFAULT_DURATION_MS = 60 * 60 * 1000;
/** The event's own reminder, so that a calendar rings before the Space starts. */
const ALARM_BEFORE = '-PT10M';

export interface CalendarSpace {
  id: string;
  title: string;
  hostHandle: string;
  /** Start, ms since the epoch. */
  start: number;
  /** The Space's page (/s/:id) on this server. */
  url: string;
}

/** A TEXT value (SUMMARY, DESCRIPTION): backslash, semicolon, comma and newlines escaped; other controls dropped. */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // Titles and handles are validated without controls already; a calendar file must not depend on it.
      .replace(/[\u0000-\u001f\u007f]/g, '')
  );
}

/**
 * Folds one content line: at most 75 octets per physical line, continuations starting with a
 * space (which counts towards their 75). Cuts only between code points.
 */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

/** A UTC DATE-TIME: 20261206T203000Z. */
export function utcStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The .ics file for a scheduled Space; `now` is DTSTAMP (when the file was made). */
export function spaceCalendar(space: CalendarSpace, now: number): string {
  const host = new URL(space.url).hostname || 'spaces';
  const description = `Hosted by @${space.hostHandle}\nJoin: ${space.url}`;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Spaces//Scheduled Space//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    // Stable per Space, so that downloading it again updates the event instead of adding one.
    `UID:space-${space.id}@${host}`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART:${utcStamp(space.start)}`,
    `DTEND:${utcStamp(space.start + DEFAULT_DURATION_MS)}`,
    `SUMMARY:${escapeText(space.title)}`,
    `DESCRIPTION:${escapeText(description)}`,
    // URI values are not TEXT: no escaping (the id is URL-safe).
    `URL:${space.url}`,
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    `DESCRIPTION:${escapeText(space.title)}`,
    `TRIGGER:${ALARM_BEFORE}`,
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** A download name from the title: ASCII letters and digits, else "space". */
export function calendarFileName(title: string): string {
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${slug || 'space'}.ics`;
}
