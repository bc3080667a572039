// The first paint of a Space's page (/s/:id), rendered on the server into the web app's
// index.html: the Space's title, host and state (live, scheduled with its time, ended, or its
// replay) as real markup, a <title>, and the Open Graph / Twitter-card meta that link previews
// read. The React app replaces the markup when it starts. Every value from a Space is escaped:
// the title is anyone's input. The markup uses the app's own stylesheet classes, and no inline
// script or style (the Content-Security-Policy allows neither).
import type { SpaceSummary } from '../protocol/messages.js';

/** What the shell shows of a Space. */
export type ShellSpace = Pick<SpaceSummary, 'id' | 'title' | 'state' | 'hostHandle' | 'scheduledFor' | 'endedAt' | 'kind'> & {
  /** The Space ended and its recording can be played. */
  replay: boolean;
};

export type ShellState = 'live' | 'scheduled' | 'ended' | 'replay';

export interface ShellOptions {
  /** The server's public origin (no trailing slash): link previews need absolute URLs. */
  publicUrl: string;
}

/** The link-preview image, emitted by the web build (web/tooling/preview-image.ts). */
export const PREVIEW_IMAGE = { path: '/preview.png', width: 1200, height: 630 };

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML, as element content or as a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export function shellState(space: ShellSpace): ShellState {
  if (space.state === 'ended') return space.replay ? 'replay' : 'ended';
  return space.state;
}

// The server does not know the reader's time zone; the app shows local time once it runs.
const whenFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** "Dec 4, 2025, 6:00 PM UTC", or null for a missing or unreadable time. */
export function formatUtc(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  // Newer ICU puts a narrow no-break space before AM/PM: plain spaces read the same everywhere.
  return Number.isNaN(d.getTime()) ? null : `${whenFormat.format(d).replace(/\s/g, ' ')} UTC`;
}

/** One line for previews: the state, then the host. */
export function describeSpace(space: ShellSpace): string {
  const host = `hosted by ${space.hostHandle}`;
  switch (shellState(space)) {
    case 'live':
      return `${space.kind === 'broadcast' ? 'Live video' : 'Live'} now · ${host}`;
    case 'scheduled': {
      const when = formatUtc(space.scheduledFor);
      return `${when ? `Scheduled for ${when}` : 'Scheduled'} · ${host}`;
    }
    case 'replay':
      return `Ended · replay available · ${host}`;
    default:
      return `Ended · ${host}`;
  }
}

function spaceUrl(space: ShellSpace, o: ShellOptions): string {
  return `${o.publicUrl}/s/${encodeURIComponent(space.id)}`;
}

/** The <head> additions: canonical URL, Open Graph and Twitter card. */
export function metaTags(space: ShellSpace, o: ShellOptions): string {
  const url = escapeHtml(spaceUrl(space, o));
  const title = escapeHtml(space.title);
  const description = escapeHtml(describeSpace(space));
  const image = escapeHtml(`${o.publicUrl}${PREVIEW_IMAGE.path}`);
  return [
    `<link rel="canonical" href="${url}" />`,
    `<meta property="og:type" content="website" />`,
    `<meta property="og:site_name" content="Spaces" />`,
    `<meta property="og:title" content="${title}" />`,
    `<meta property="og:description" content="${description}" />`,
    `<meta property="og:url" content="${url}" />`,
    `<meta property="og:image" content="${image}" />`,
    `<meta property="og:image:width" content="${PREVIEW_IMAGE.width}" />`,
    `<meta property="og:image:height" content="${PREVIEW_IMAGE.height}" />`,
    `<meta property="og:image:alt" content="Spaces" />`,
    `<meta name="twitter:card" content="summary_large_image" />`,
    `<meta name="twitter:title" content="${title}" />`,
    `<meta name="twitter:description" content="${description}" />`,
    `<meta name="twitter:image" content="${image}" />`,
  ].join('\n    ');
}

function badge(state: ShellState, space: ShellSpace): string {
  switch (state) {
    case 'live':
      return `<span class="live-pill"><span class="live-dot" aria-hidden="true"></span>${space.kind === 'broadcast' ? 'Live video' : 'Live'}</span>`;
    case 'scheduled':
      return '<span class="scheduled-badge">Scheduled</span>';
    case 'replay':
      return '<span class="scheduled-badge">Replay</span>';
    default:
      return '<span class="scheduled-badge">Ended</span>';
  }
}

function timeLine(state: ShellState, space: ShellSpace): string {
  const iso = state === 'scheduled' ? space.scheduledFor : state === 'ended' || state === 'replay' ? space.endedAt : null;
  const when = formatUtc(iso);
  if (!iso || !when) return '';
  const label = state === 'scheduled' ? 'Starts' : 'Ended';
  return `<p class="scheduled-when">${label} <time datetime="${escapeHtml(iso)}">${escapeHtml(when)}</time></p>`;
}

/** The page's body until the app runs: a header like the app's and a card with the Space. */
export function spaceMarkup(space: ShellSpace): string {
  const state = shellState(space);
  return (
    `<div class="page page-space page-shell" data-shell-state="${state}">` +
    '<header class="app-header"><div class="app-header-inner"><div class="app-header-start">' +
    '<a href="/" class="back-link">Spaces</a></div></div></header>' +
    '<main id="main" class="full-page-message"><div class="full-page-card scheduled-card">' +
    badge(state, space) +
    `<h1>${escapeHtml(space.title)}</h1>` +
    timeLine(state, space) +
    `<p class="scheduled-host">Hosted by ${escapeHtml(space.hostHandle)}</p>` +
    '</div></main></div>'
  );
}

/**
 * The built index.html filled for one Space: its <title> and description replaced, the meta
 * tags added to <head> and the markup put into the app's root element. Pieces the template
 * lacks are left out rather than guessed at.
 */
export function renderSpacePage(template: string, space: ShellSpace, o: ShellOptions): string {
  const title = escapeHtml(`${space.title} · Spaces`);
  const description = escapeHtml(describeSpace(space));
  return template
    .replace(/<title>[^<]*<\/title>/, () => `<title>${title}</title>`)
    .replace(/<meta name="description" content="[^"]*"\s*\/?>/, () => `<meta name="description" content="${description}" />`)
    .replace('</head>', () => `  ${metaTags(space, o)}\n  </head>`)
    .replace('<div id="root"></div>', () => `<div id="root">${spaceMarkup(space)}</div>`);
}
