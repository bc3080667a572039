// Well-formed inputs the fuzzers start from: mutations of real shapes reach much deeper into a
// parser than random bytes, which most parsers refuse at the first check.

/** A WHIP offer as a browser or OBS makes it: Opus with audio levels, VP8 and H.264, bundled. */
export const WHIP_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS stream',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:AbCd',
  'a=ice-pwd:0123456789abcdefghijklmn',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendonly',
  'a=msid:stream audio',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=ssrc:1111 cname:enc',
  'a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 102',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:AbCd',
  'a=ice-pwd:0123456789abcdefghijklmn',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:1',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:102 H264/90000',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=ssrc:2222 cname:enc',
  '',
].join('\r\n');

/** An answer to the server's offer (mic, both camera layers, the stage video, three audio slots). */
export const OFFERED_MIDS = ['mic', 'cam', 'caml', 'v0', 'a0', 'a1', 'a2'];
export const CLIENT_ANSWER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  `a=group:BUNDLE ${OFFERED_MIDS.join(' ')}`,
  ...OFFERED_MIDS.flatMap((mid, i) => {
    const video = mid === 'cam' || mid === 'caml' || mid === 'v0';
    const direction = mid === 'mic' || mid === 'cam' ? 'sendonly' : mid === 'caml' ? 'inactive' : 'recvonly';
    return [
      video ? 'm=video 9 UDP/TLS/RTP/SAVPF 96' : 'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'c=IN IP4 0.0.0.0',
      'a=ice-ufrag:WxYz',
      'a=ice-pwd:abcdefghijklmnopqrstuvwx',
      'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
      'a=setup:active',
      `a=mid:${mid}`,
      `a=${direction}`,
      'a=rtcp-mux',
      video ? 'a=rtpmap:96 VP8/90000' : 'a=rtpmap:111 opus/48000/2',
      ...(mid === 'mic' ? ['a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', `a=ssrc:${3000 + i} cname:c`] : []),
      ...(mid === 'cam' ? [`a=ssrc:${3000 + i} cname:c`] : []),
    ];
  }),
  '',
].join('\r\n');

export const TRICKLE_FRAGMENT = [
  'a=ice-ufrag:AbCd',
  'a=ice-pwd:0123456789abcdefghijklmn',
  'm=audio 9 RTP/AVP 0',
  'a=mid:0',
  'a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host',
  'a=end-of-candidates',
  '',
].join('\r\n');

/** ffmpeg's media playlist, and a master as our origin serves it. */
export const MEDIA_PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:1',
  '#EXT-X-MEDIA-SEQUENCE:41',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init-audio.mp4"',
  '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:41.000Z',
  '#EXTINF:1.000000,',
  'audio-000041.m4s',
  '#EXT-X-DISCONTINUITY',
  '#EXT-X-MAP:URI="r2/init-audio.mp4"',
  '#EXTINF:0.980000,',
  'r2/audio-000000.m4s',
  '',
].join('\n');

export const MASTER_PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Space",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=80000,CODECS="mp4a.40.2"',
  'audio.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=960x540,FRAME-RATE=30.000,AUDIO="aud"',
  'video.m3u8',
  '',
].join('\n');
