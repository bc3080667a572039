// "Add to calendar": the .ics builder against RFC 5545's rules that calendars enforce: CRLF
// lines of at most 75 octets (folded between code points), escaped TEXT, UTC times.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calendarFileName, escapeText, foldLine, spaceCalendar, utcStamp } from '../../../src/api/calendar.js';

const START = Date.UTC(2026, 11, 24, 18, 30, 0);
const NOW = Date.UTC(2026, 11, 6, 9, 5, 7, 123);

/** The logical lines of a calendar: unfolded (RFC 5545 3.1). */
function unfold(ics: string): string[] {
  return ics.replace(/\r\n /g, '').split('\r\n');
}

describe('spaceCalendar', () => {
  const ics = spaceCalendar({ id: 'abc_123', title: 'Friday chat', hostHandle: 'ana', start: START, url: 'https://spaces.example/s/abc_123' }, NOW);

  it('is one VEVENT with UID, DTSTAMP, UTC start and a default end', () => {
    const lines = unfold(ics);
    assert.equal(lines[0], 'BEGIN:VCALENDAR');
    assert.equal(lines.at(-1), '', 'ends with CRLF');
    for (const expected of [
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:space-abc_123@spaces.example',
      'DTSTAMP:20261206T090507Z',
      'DTSTART:20261224T183000Z',
      'DTEND:20261224T193000Z',
      'SUMMARY:Friday chat',
      'DESCRIPTION:Hosted by @ana\\nJoin: https://spaces.example/s/abc_123',
      'URL:https://spaces.example/s/abc_123',
      'END:VEVENT',
      'END:VCALENDAR',
    ]) {
      assert.ok(lines.includes(expected), `missing ${expected}`);
    }
    assert.ok(!/[^\r]\n/.test(ics), 'every line ends with CRLF');
  });

  it('escapes and folds a hostile title without breaking a line or a character', () => {
    const title = 'End;now, \\BEGIN:VEVENT\nSUMMARY:evil ' + '🎙️'.repeat(40);
    const out = spaceCalendar({ id: 'x', title, hostHandle: 'h', start: START, url: 'http://localhost:8080/s/x' }, NOW);
    for (const physical of out.split('\r\n')) {
      assert.ok(Buffer.byteLength(physical, 'utf8') <= 75, `too long: ${physical}`);
      assert.ok(!physical.includes('\uFFFD'));
    }
    const lines = unfold(out);
    assert.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, 1, 'the title cannot open a second event');
    assert.ok(!lines.some((l) => l.startsWith('SUMMARY:evil')));
    const summary = lines.find((l) => l.startsWith('SUMMARY:'))!;
    assert.equal(summary, `SUMMARY:End\\;now\\, \\\\BEGIN:VEVENT\\nSUMMARY:evil ${'🎙️'.repeat(40)}`);
  });
});

describe('calendar pieces', () => {
  it('escapes TEXT and drops other controls', () => {
    assert.equal(escapeText('a,b;c\\d\r\ne\rf\ng\u0007'), 'a\\,b\\;c\\\\d\\ne\\nf\\ng');
  });

  it('folds at 75 octets, continuations at 74 plus the space', () => {
    const folded = foldLine('x'.repeat(200)).split('\r\n');
    assert.deepEqual(
      folded.map((l) => l.length),
      [75, 75, 52],
    );
    assert.ok(folded.slice(1).every((l) => l.startsWith(' ')));
    assert.equal(foldLine('short'), 'short');
    // 3-octet characters: 25 fit the first line exactly; none is split.
    const wide = foldLine('€'.repeat(30)).split('\r\n');
    assert.deepEqual(
      wide.map((l) => Buffer.byteLength(l)),
      [75, 1 + 15],
    );
  });

  it('writes UTC times whatever the local zone', () => {
    assert.equal(utcStamp(Date.parse('2026-03-01T23:59:59.999-05:00')), '20260302T045959Z');
  });

  it('names the file after the title, safely', () => {
    assert.equal(calendarFileName('Friday chat: "AMA"'), 'friday-chat-ama.ics');
    assert.equal(calendarFileName('🎙️🎙️'), 'space.ics');
    assert.equal(calendarFileName('../../etc/passwd'), 'etc-passwd.ics');
  });
});
