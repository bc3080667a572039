// The operator's voice bot (`spaces bot`), run as its own process with libwebrtc's real Opus
// encoder: it joins by URL with an account, asks for the stage, speaks a WAV file, and
// reports what it receives as JSON lines.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { speechWav } from '../helpers/media-fixtures.js';
import type { RunningServer } from '../../src/server.js';

const CLI = fileURLToPath(new URL('../../bin/spaces', import.meta.url));

describe('spaces bot', () => {
  let server: RunningServer;
  let host: TestParticipant;
  let listener: TestParticipant;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    host?.close();
    listener?.close();
    await server?.close();
  });

  it('joins by URL, is approved on stage, speaks its WAV and reports', async () => {
    const hostApi = await account(server, 'bot_host');
    const space = await hostApi.createSpace('Bot check');
    host = await joinSpace(server, space.id, { api: hostApi, tag: 1 });
    listener = await joinSpace(server, space.id, { guest: true, canPublish: false });
    host.peer.startSending();
    host.peer.setTalking(true);
    const wav = speechWav('bot-speech', 'This is the operator bot. One two three four five.', 0.5);
    const bot = spawn(CLI, ['bot', `${server.url}/s/${space.id}`, '--handle', 'op_bot', '--request', '--wav', wav, '--duration', '8', '--report-every', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    bot.stdout.on('data', (d: Buffer) => lines.push(...String(d).split('\n').filter(Boolean)));
    bot.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<number>((resolve) => bot.on('exit', (code) => resolve(code ?? -1)));

    await waitFor(() => (host.state.space?.requests ?? []).some((r) => r.handle === 'op_bot'), 15_000, 'bot request in the queue');
    const botId = host.state.space!.requests.find((r) => r.handle === 'op_bot')!.userId;
    await host.signalling.act({ action: 'approve', userId: botId });
    // The bot's real Opus reaches the listener (a slot that is not the host's tag).
    await waitFor(() => listener.peer.totalPackets() - listener.peer.packetsFromTag(1) > 50, 15_000, 'the listener hears the bot');
    const code = await exited;
    assert.equal(code, 0, `bot exit code (stderr: ${stderr.slice(-500)})`);
    const final = JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1)!) as {
      final?: boolean;
      role: string;
      inboundAudio: Array<{ packets: number }>;
    };
    assert.equal(final.final, true);
    assert.equal(final.role, 'speaker');
    assert.ok(final.inboundAudio.reduce((n, s) => n + s.packets, 0) > 50, 'the bot received the host audio');
  });
});
