"""The HTTP side of WHIP and WHEP for the interop clients: one request, its status, body and
headers; a network error is status 0 with its message, so a client can report it as JSON."""
import urllib.error
import urllib.request


def http(method, url, token=None, body=None, content_type="application/sdp"):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if body:
        headers["content-type"] = content_type
    req = urllib.request.Request(url, data=body.encode() if body else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read().decode(), res.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), err.headers
    except OSError as err:
        return 0, str(err), {}
