// The server-rendered first paint of a Space's page: escaping of everything a Space carries
// (the title is anyone's input), the three states (live, scheduled with its time, ended or its
// replay) as markup and as the link-preview description, and the meta tags.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeSpace, escapeHtml, renderSpacePage, shellState, spaceMarkup, type ShellSpace } from '../../../src/api/page-shell.js';

const TEMPLATE = `<!doctype html>
<html lang="en">
  <head>
    <meta name="description" content="Live audio conversations you can host yourself." />
    <title>Spaces</title>
    <script>var t = 1;</script>
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>`;

const HOSTILE = `<script>alert(1)</script>"'&`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;';
const OPTS = { publicUrl: 'https://spaces.example.com' };

const space = (over: Partial<ShellSpace> = {}): ShellSpace => ({
  id: 'abc123',
  title: 'Morning standup',
  state: 'live',
  hostHandle: 'alice',
  scheduledFor: null,
  endedAt: null,
  kind: 'space',
  replay: false,
  ...over,
});

/** Every `<tag ...>` that opens an element, by name: markup the page was not meant to have shows up here. */
const openingTags = (html: string) => [...html.matchAll(/<([a-z][a-z0-9-]*)/gi)].map((m) => m[1]!.toLowerCase());

describe('page shell: escaping', () => {
  it('escapes the five characters that matter in text and in attributes', () => {
    assert.equal(escapeHtml(HOSTILE), HOSTILE_ESCAPED);
    assert.equal(escapeHtml('plain text · ünïcode 🎙'), 'plain text · ünïcode 🎙');
  });

  it('puts a hostile title and host into the page only as text', () => {
    const html = renderSpacePage(TEMPLATE, space({ title: HOSTILE, hostHandle: `x"><img src=x onerror=alert(1)>` }), OPTS);
    assert.ok(!html.includes(HOSTILE), 'the raw title is nowhere');
    assert.ok(!html.includes('<img'), 'no element from the host handle');
    assert.equal(openingTags(html).filter((t) => t === 'script').length, 1, 'only the template’s own script');
    assert.ok(html.includes(`<title>${HOSTILE_ESCAPED} · Spaces</title>`));
    assert.ok(html.includes(`<h1>${HOSTILE_ESCAPED}</h1>`));
    assert.ok(html.includes(`<meta property="og:title" content="${HOSTILE_ESCAPED}" />`));
    assert.ok(html.includes(`<meta name="twitter:title" content="${HOSTILE_ESCAPED}" />`));
    assert.ok(html.includes('Hosted by x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('takes "$&" and other replacement patterns in a title literally', () => {
    const html = renderSpacePage(TEMPLATE, space({ title: "$& $' $` $1" }), OPTS);
    assert.ok(html.includes('<h1>$&amp; $&#39; $` $1</h1>'), html);
    assert.ok(html.includes('<title>$&amp; $&#39; $` $1 · Spaces</title>'));
  });
});

describe('page shell: states', () => {
  it('live: a LIVE pill, the title and the host', () => {
    const s = space();
    assert.equal(shellState(s), 'live');
    const markup = spaceMarkup(s);
    assert.match(markup, /data-shell-state="live"/);
    assert.match(markup, /<span class="live-pill">.*Live<\/span>/);
    assert.match(markup, /<h1>Morning standup<\/h1>/);
    assert.match(markup, /Hosted by alice/);
    assert.equal(describeSpace(s), 'Live now · hosted by alice');
    assert.equal(describeSpace(space({ kind: 'broadcast' })), 'Live video now · hosted by alice');
  });

  it('scheduled: its start time, in UTC with a machine-readable <time>', () => {
    const s = space({ state: 'scheduled', scheduledFor: '2031-12-04T18:30:00.000Z' });
    assert.equal(shellState(s), 'scheduled');
    const markup = spaceMarkup(s);
    assert.match(markup, /data-shell-state="scheduled"/);
    assert.match(markup, /<span class="scheduled-badge">Scheduled<\/span>/);
    assert.match(markup, /Starts <time datetime="2031-12-04T18:30:00.000Z">Dec 4, 2031, 6:30 PM UTC<\/time>/);
    assert.equal(describeSpace(s), 'Scheduled for Dec 4, 2031, 6:30 PM UTC · hosted by alice');
  });

  it('ended: without a recording "Ended", with a finished one "Replay"', () => {
    const ended = space({ state: 'ended', endedAt: '2024-01-02T03:04:00.000Z' });
    assert.equal(shellState(ended), 'ended');
    assert.match(spaceMarkup(ended), /<span class="scheduled-badge">Ended<\/span>/);
    assert.match(spaceMarkup(ended), /Ended <time datetime="2024-01-02T03:04:00.000Z">Jan 2, 2024, 3:04 AM UTC<\/time>/);
    assert.equal(describeSpace(ended), 'Ended · hosted by alice');
    const replay = { ...ended, replay: true };
    assert.equal(shellState(replay), 'replay');
    assert.match(spaceMarkup(replay), /<span class="scheduled-badge">Replay<\/span>/);
    assert.equal(describeSpace(replay), 'Ended · replay available · hosted by alice');
  });

  it('a replay flag on a Space that is not over changes nothing', () => {
    assert.equal(shellState(space({ replay: true })), 'live');
  });
});

describe('page shell: the page', () => {
  it('replaces <title> and description, adds Open Graph and Twitter meta, and fills #root', () => {
    const html = renderSpacePage(TEMPLATE, space({ id: 'a-b_c' }), OPTS);
    assert.ok(html.includes('<title>Morning standup · Spaces</title>'));
    assert.ok(html.includes('<meta name="description" content="Live now · hosted by alice" />'));
    assert.ok(!html.includes('Live audio conversations you can host yourself.'));
    for (const tag of [
      '<meta property="og:title" content="Morning standup" />',
      '<meta property="og:description" content="Live now · hosted by alice" />',
      '<meta property="og:url" content="https://spaces.example.com/s/a-b_c" />',
      '<meta property="og:image" content="https://spaces.example.com/preview.png" />',
      '<meta property="og:image:width" content="1200" />',
      '<meta name="twitter:card" content="summary_large_image" />',
      '<meta name="twitter:image" content="https://spaces.example.com/preview.png" />',
      '<link rel="canonical" href="https://spaces.example.com/s/a-b_c" />',
    ]) {
      assert.ok(html.includes(tag), `missing ${tag}`);
    }
    assert.ok(html.indexOf('og:title') < html.indexOf('</head>'), 'the meta is in <head>');
    assert.match(html, /<div id="root"><div class="page page-space page-shell" data-shell-state="live">/);
    assert.ok(html.includes('<script>var t = 1;</script>'), 'the template’s inline script is untouched (its CSP hash stays valid)');
  });

  it('renders no inline style or event handler (the CSP allows neither)', () => {
    const html = spaceMarkup(space({ state: 'scheduled', scheduledFor: '2031-01-01T00:00:00Z' }));
    assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=|<script|<style/i);
  });
});
