#!/usr/bin/python3
"""A WHIP publisher on aiortc (Debian's python3-aiortc): a 440 Hz tone and a moving grey
picture made here, encoded by aiortc (Opus, VP8), sent from aiortc's own sendonly offer
(candidates in it, no trickle), until SIGINT or --timeout; then DELETE.

stdout: one JSON object a line ({"event": ...}). Run with /usr/bin/python3.
"""
import argparse
import asyncio
import fractions
import json
import math
import signal
import struct
import sys
from urllib.parse import urljoin

from whip_http import http

import aiortc
import av
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

RATE = 48000
SAMPLES = 960  # 20 ms


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class Tone(AudioStreamTrack):
    """A 440 Hz sine at about -12 dBFS, paced by aiortc's own audio clock."""

    def __init__(self):
        super().__init__()
        self.sample = 0

    async def recv(self):
        timed = await super().recv()  # silence with the right pts, after the right wait
        pcm = bytearray(SAMPLES * 2)
        for i in range(SAMPLES):
            struct.pack_into("<h", pcm, 2 * i, int(8000 * math.sin(2 * math.pi * 440 * (self.sample + i) / RATE)))
        self.sample += SAMPLES
        frame = av.AudioFrame(format="s16", layout="mono", samples=SAMPLES)
        frame.planes[0].update(bytes(pcm))
        frame.sample_rate = RATE
        frame.pts = timed.pts
        frame.time_base = fractions.Fraction(1, RATE)
        return frame


class Picture(VideoStreamTrack):
    """A grey picture whose brightness sweeps, so every frame differs."""

    def __init__(self, width, height):
        super().__init__()
        self.width, self.height, self.count = width, height, 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        luma = 16 + (self.count * 4) % 220
        self.count += 1
        frame.planes[0].update(bytes([luma]) * (frame.planes[0].line_size * self.height))
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * (plane.line_size * (self.height // 2)))
        frame.pts, frame.time_base = pts, time_base
        return frame


async def publish(url, token, width, height, timeout):
    emit("versions", aiortc=aiortc.__version__, av=av.__version__)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    pc = RTCPeerConnection()
    pc.addTransceiver(Tone(), direction="sendonly")
    pc.addTransceiver(Picture(width, height), direction="sendonly")
    pc.on("iceconnectionstatechange", lambda: emit("ice", state=pc.iceConnectionState))
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription.sdp
    emit("offer", sdp=offer)
    status, body, headers = await loop.run_in_executor(None, http, "POST", url, token, offer)
    emit("answered", status=status, body=body if status != 201 else "")
    if status != 201:
        await pc.close()
        return 1
    resource = urljoin(url, headers["location"])
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    try:
        await asyncio.wait_for(stop.wait(), timeout)
        emit("stopping", reason="SIGINT")
    except asyncio.TimeoutError:
        emit("stopping", reason="timeout")
    deleted, _, _ = await loop.run_in_executor(None, http, "DELETE", resource, token)
    emit("deleted", status=deleted)
    await pc.close()
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the WHIP endpoint")
    parser.add_argument("--token", required=True, help="the stream key")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before it stops on its own")
    args = parser.parse_args()
    return asyncio.run(publish(args.url, args.token, args.width, args.height, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
