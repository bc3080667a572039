#!/usr/bin/python3
"""A WHIP publisher on GStreamer's webrtcbin, shaped as Meetecho's simple-whip-client.

Debian bookworm's own simple-whip-client aborts before it sends anything: it links libsoup2,
while webrtcbin's libnice pulls in libsoup3 (through gupnp-igd), and libsoup refuses to share
a process with the other major version. So this drives the same webrtcbin the same way: the
pipelines given, bundle-policy max-bundle (audio after video goes out as m=audio 0 with
a=bundle-only), transceivers set to sendonly, the offer POSTed without candidates, the
candidates trickled in PATCH fragments, DELETE on SIGINT or when the time is up.

stdout: one JSON object a line ({"event": ...}); the test reads them. Run with /usr/bin/python3.
"""
import argparse
import json
import re
import signal
import sys
import threading
from urllib.parse import urljoin

from whip_http import http

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class Publisher:
    def __init__(self, url, token, audio, video):
        self.url = url
        self.token = token
        self.resource = None
        self.offer = None
        self.pending = []
        self.lock = threading.Lock()
        self.loop = GLib.MainLoop()
        self.pipeline = Gst.parse_launch(f"webrtcbin name=sendonly bundle-policy=max-bundle {video} ! sendonly. {audio} ! sendonly.")
        self.webrtc = self.pipeline.get_by_name("sendonly")
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("on-ice-candidate", self.on_ice_candidate)
        self.webrtc.connect("notify::ice-connection-state", self.on_ice_state)

    def on_negotiation_needed(self, webrtc):
        if self.offer is not None:
            return
        index = 0
        while (transceiver := webrtc.emit("get-transceiver", index)) is not None:
            transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
            index += 1
        webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer, webrtc))

    def on_offer(self, promise, webrtc):
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply.has_field("offer") else None
        if offer is None:
            # webrtcbin asks again once every pad's caps are known.
            emit("offer-failed", reply=reply.to_string())
            return
        if self.offer is not None:
            return
        webrtc.emit("set-local-description", offer, Gst.Promise.new())
        self.offer = offer.sdp.as_text()
        emit("offer", sdp=self.offer)
        status, body, headers = http("POST", self.url, self.token, self.offer, "application/sdp")
        emit("answered", status=status, body=body if status != 201 else "", candidates=re.findall(r"a=candidate:[^\r\n]*", body))
        if status != 201:
            self.loop.quit()
            return
        _, sdp = GstSdp.SDPMessage.new_from_text(body)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        webrtc.emit("set-remote-description", answer, Gst.Promise.new())
        with self.lock:
            self.resource = urljoin(self.url, headers["location"])
            pending, self.pending = self.pending, []
        for candidate in pending:
            self.trickle(candidate)

    def on_ice_candidate(self, _webrtc, _mline, candidate):
        with self.lock:
            if self.resource is None:
                self.pending.append(candidate)
                return
        self.trickle(candidate)

    def trickle(self, candidate):
        # One bundle: every candidate goes with the first m-line's mid, as simple-whip-client sends them.
        ufrag = re.search(r"a=ice-ufrag:(\S+)", self.offer).group(1)
        pwd = re.search(r"a=ice-pwd:(\S+)", self.offer).group(1)
        mid = re.search(r"a=mid:(\S+)", self.offer).group(1)
        frag = f"a=ice-ufrag:{ufrag}\r\na=ice-pwd:{pwd}\r\nm=audio 9 RTP/AVP 0\r\na=mid:{mid}\r\na={candidate}\r\n"
        status, body, _ = http("PATCH", self.resource, self.token, frag, "application/trickle-ice-sdpfrag")
        emit("trickled", candidate=candidate, status=status, body=body if status != 204 else "")

    def on_ice_state(self, webrtc, _pspec):
        emit("ice", state=webrtc.get_property("ice-connection-state").value_nick)

    def stop(self, reason):
        emit("stopping", reason=reason)
        self.pipeline.set_state(Gst.State.NULL)
        if self.resource:
            status, _, _ = http("DELETE", self.resource, self.token)
            emit("deleted", status=status)
        self.loop.quit()
        return GLib.SOURCE_REMOVE


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--audio", required=True, help="a GStreamer pipeline ending in RTP caps")
    parser.add_argument("--video", required=True, help="a GStreamer pipeline ending in RTP caps")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before it stops on its own")
    args = parser.parse_args()
    Gst.init(None)
    emit("versions", gstreamer=Gst.version_string())
    publisher = Publisher(args.url, args.token, args.audio, args.video)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, publisher.stop, "SIGINT")
    GLib.timeout_add(int(args.timeout * 1000), publisher.stop, "timeout")
    publisher.pipeline.set_state(Gst.State.PLAYING)
    publisher.loop.run()
    publisher.pipeline.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
