#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need, then runs them.
# Debian packages: chromium (browser tests), ffmpeg, espeak-ng and sox (test speech),
# nginx-light (the HLS cache test runs docs/deploy/nginx.conf on its own port; a system
# nginx the package may start on port 80 is neither used nor in the way), redis-server (the
# cluster tests start their own Redis on a free port, so that they can stop it), GStreamer's
# tools with x264enc, rtph264pay and videotestsrc (the H.264 WHIP test's encoder), and for the
# interop test's clients (test/interop) GStreamer's webrtcbin with its Python bindings, and aiortc.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for bin in chromium ffmpeg espeak-ng sox; do command -v "$bin" >/dev/null 2>&1 || need+=("$bin"); done
# In /usr/sbin, which is not on every user's PATH.
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
command -v gst-launch-1.0 >/dev/null 2>&1 || need+=(gstreamer1.0-tools)
gst-inspect-1.0 x264enc >/dev/null 2>&1 || need+=(gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)
/usr/bin/python3 -c "import aiortc, gi; gi.require_version('Gst', '1.0'); gi.require_version('GstWebRTC', '1.0'); from gi.repository import Gst; Gst.init(None); assert Gst.ElementFactory.find('nicesrc') and Gst.ElementFactory.find('vp8enc')" >/dev/null 2>&1 ||
  need+=(python3-aiortc python3-gi gir1.2-gst-plugins-bad-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-nice)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "missing Debian packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund
npm test
