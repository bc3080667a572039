// Server configuration: the settings table, its checks, and the command line derived from it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config.js';
import { SETTINGS, SettingsError, serveFlagOptions, settingsUsage } from '../../../src/settings.js';
import { parseCommandLine } from '../../../src/cli/args.js';

describe('config: audible speakers', () => {
  it('defaults to 3, and takes the environment or, over it, the flag', () => {
    assert.equal(loadConfig({}).audibleSpeakers, 3);
    assert.equal(loadConfig({ SPACES_AUDIBLE_SPEAKERS: '5' }).audibleSpeakers, 5);
    assert.equal(loadConfig({ SPACES_AUDIBLE_SPEAKERS: '5' }, { 'audible-speakers': '13' }).audibleSpeakers, 13);
  });

  it('refuses anything but a whole number from 1 to 13', () => {
    for (const bad of ['0', '14', '2.5', 'three', '-1', '']) {
      assert.throws(
        () => loadConfig({ SPACES_AUDIBLE_SPEAKERS: bad }),
        (e: unknown) => e instanceof SettingsError && /SPACES_AUDIBLE_SPEAKERS/.test(e.message),
      );
    }
  });
});

describe('config: the WHIP grace', () => {
  it('defaults to 2 minutes, takes 0 to an hour from the environment or the flag, and refuses the rest', () => {
    assert.equal(loadConfig({}).whipGraceMs, 120_000);
    assert.equal(loadConfig({ SPACES_WHIP_GRACE_MS: '0' }).whipGraceMs, 0);
    assert.equal(loadConfig({ SPACES_WHIP_GRACE_MS: '600000' }, { 'whip-grace-ms': '3600000' }).whipGraceMs, 3_600_000);
    for (const bad of ['-1', '3600001', 'soon']) assert.throws(() => loadConfig({ SPACES_WHIP_GRACE_MS: bad }), SettingsError, bad);
  });
});

describe('config: every setting is checked', () => {
  it('numbers out of range are refused, each named with where it came from, all at once', () => {
    assert.throws(
      () => loadConfig({ SPACES_HLS_SEGMENT_SECONDS: '0', SPACES_SOCKETS_PER_ADDRESS: '0' }, { port: '70000' }),
      (e: unknown) =>
        e instanceof SettingsError &&
        /SPACES_HLS_SEGMENT_SECONDS "0"/.test(e.message) &&
        /SPACES_SOCKETS_PER_ADDRESS "0"/.test(e.message) &&
        /--port "70000"/.test(e.message),
    );
    for (const [env, bad] of [
      ['SPACES_MEDIA_WORKERS', '0'],
      ['SPACES_HLS_FPS', '1000'],
      ['SPACES_HOST_GRACE_MS', 'soon'],
      ['SPACES_HLS_MODE', 'sometimes'],
      ['SPACES_TRUST_PROXY', 'yes please'],
      ['SPACES_LOG_LEVEL', 'chatty'],
      ['SPACES_PUBLIC_URL', 'not a url'],
      ['SPACES_ICE_SERVERS', '{"urls":1}'],
    ]) {
      assert.throws(() => loadConfig({ [env!]: bad! }), SettingsError, `${env}=${bad}`);
    }
  });

  it('the defaults make the embedded configuration, and derived values follow what they derive from', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, './data');
    assert.equal(c.databaseUrl, './data/spaces.db');
    assert.equal(c.publicUrl, 'http://localhost:8080');
    assert.equal(c.hls.encoding.segmentSeconds, 1);
    assert.equal(c.trustProxy, false);
    assert.ok(c.mediaWorkers >= 1);
    const d = loadConfig({ PORT: '9000', SPACES_DATA_DIR: '/srv/spaces' }, { 'trust-proxy': 'true' });
    assert.equal(d.port, 9000);
    assert.equal(d.databaseUrl, '/srv/spaces/spaces.db');
    assert.equal(d.trustProxy, true);
    assert.equal(loadConfig({ PORT: '9000', SPACES_PORT: '9100' }).port, 9100);
  });
});

describe('config: the cluster', () => {
  const cluster = { SPACES_REDIS_URL: 'redis://127.0.0.1:6379', SPACES_DATABASE_URL: 'postgres://db/spaces', SPACES_JWT_SECRET: 's' };

  it("takes the nodes' origins from their public URLs (paths dropped, wildcards kept), none by default", () => {
    assert.deepEqual(loadConfig(cluster).cluster?.nodeOrigins, []);
    const c = loadConfig({
      ...cluster,
      SPACES_CLUSTER_ORIGINS: 'https://Node1.example.com/spaces/, https://*.nodes.example.com,http://10.0.0.7:8080, http://[::1]:*,https://node1.example.com',
    });
    assert.deepEqual(c.cluster?.nodeOrigins, ['https://node1.example.com', 'https://*.nodes.example.com', 'http://10.0.0.7:8080', 'http://[::1]:*']);
  });

  it('refuses an origin that is not a URL of a node', () => {
    for (const bad of ['node1.example.com', 'wss://node1.example.com', "https://a.example.com 'unsafe-inline'", 'https://*', 'https://a.*.com', '*']) {
      assert.throws(
        () => loadConfig({ ...cluster, SPACES_CLUSTER_ORIGINS: bad }),
        (e: unknown) => e instanceof SettingsError && /SPACES_CLUSTER_ORIGINS/.test(e.message),
        bad,
      );
    }
  });
});

describe('the command line', () => {
  it('refuses an unknown flag, and a value given to a boolean flag', () => {
    assert.throws(() => parseCommandLine(['--no-such-flag', '1'], serveFlagOptions()), /Unknown option '--no-such-flag'/);
    assert.throws(() => parseCommandLine(['--trust-proxy=yes'], serveFlagOptions()), /does not take an argument/);
    const ok = parseCommandLine(['--port', '0', '--trust-proxy', '--hls-mode=off'], serveFlagOptions());
    assert.deepEqual(ok.flags, { port: '0', 'trust-proxy': 'true', 'hls-mode': 'off' });
    assert.equal(loadConfig({}, ok.flags).hls.mode, 'off');
  });

  it('USAGE lists every setting with its flag and its variable', () => {
    const usage = settingsUsage();
    for (const s of Object.values(SETTINGS)) {
      assert.ok(usage.includes(`--${s.flag}`), s.flag);
      assert.ok(usage.includes(s.env), s.env);
    }
  });
});
