#!/usr/bin/python3
"""A WHEP player on aiortc (Debian's python3-aiortc): aiortc's own recvonly offer for audio and
video (its Opus has no a=fmtp line), POSTed whole with its candidates, the answer applied,
then the frames aiortc decodes counted (track.recv() gives decoded av frames) until both
kinds reach --frames or --timeout seconds pass. Prints one JSON line, DELETEs the session.

Run with /usr/bin/python3 (the python3 on PATH may be one without aiortc).
"""
import argparse
import asyncio
import json
import re
import sys
import time
from urllib.parse import urljoin

from whip_http import http

import aiortc
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError


async def play(url, wanted, timeout):
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    result = {"aiortc": aiortc.__version__, "audioFrames": 0, "videoFrames": 0, "width": 0, "height": 0, "sampleRate": 0}
    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="recvonly")
    pc.addTransceiver("video", direction="recvonly")
    enough = asyncio.Event()

    async def consume(track):
        kind = "audioFrames" if track.kind == "audio" else "videoFrames"
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            result[kind] += 1
            if track.kind == "video":
                result["width"], result["height"] = frame.width, frame.height
            else:
                result["sampleRate"] = frame.sample_rate
            if result["audioFrames"] >= wanted and result["videoFrames"] >= wanted:
                enough.set()

    consumers = []
    pc.on("track", lambda track: consumers.append(asyncio.ensure_future(consume(track))))
    pc.on("iceconnectionstatechange", lambda: result.setdefault("iceStates", []).append(pc.iceConnectionState))

    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription.sdp
    opus = re.search(r"a=rtpmap:(\d+) opus/48000", offer, re.IGNORECASE)
    result["offerOpusFmtp"] = bool(opus and re.search(rf"a=fmtp:{opus.group(1)} ", offer))
    status, body, headers = await loop.run_in_executor(None, http, "POST", url, None, offer)
    result["status"] = status
    resource = None
    if status == 201:
        resource = urljoin(url, headers["location"])
        await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
        try:
            await asyncio.wait_for(enough.wait(), max(0.1, timeout - (time.monotonic() - started)))
        except asyncio.TimeoutError:
            result["timedOut"] = True
    else:
        result["body"] = body
    if resource:
        result["deleted"], _, _ = await loop.run_in_executor(None, http, "DELETE", resource)
    for consumer in consumers:
        consumer.cancel()
    await pc.close()
    print(json.dumps(result), flush=True)
    return 0 if status == 201 else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the WHEP endpoint")
    parser.add_argument("--frames", type=int, default=30, help="decoded frames of each kind to wait for")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before it gives up")
    args = parser.parse_args()
    return asyncio.run(play(args.url, args.frames, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
