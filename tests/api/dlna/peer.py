"""UPnP control points for the DLNA tests, run inside a network namespace.

The SSDP decoding is the peer libraries' own (async-upnp-client, upnpclient); only the
safety probes (`raw`) write datagrams by hand, since they send what no library would.
Every command prints JSON on stdout. Installed by `make deps` (deploy/bootstrap.sh).
"""

import asyncio
import json
import socket
import sys
import time
import urllib.request


def out(value):
    print(json.dumps(value), flush=True)


def wire_headers(headers):
    """The headers as received (the library adds its own `_…` keys and a lower-case
    `location`, left out here)."""
    return {k: v for k, v in headers.as_dict().items() if not k.startswith("_") and k != "location"}


def search(source_ip, st, timeout):
    """async-upnp-client's M-SEARCH (multicast, MX = timeout); one line per answer."""
    from async_upnp_client.search import async_search

    async def on_answer(headers):
        out(wire_headers(headers))

    asyncio.run(
        async_search(on_answer, timeout=int(timeout), search_target=st, source=(source_ip, 0))
    )


def listen(source_ip, seconds, kind="alive"):
    """async-upnp-client's advertisement listener on UDP 1900; prints `ready`, then the
    first `kind` (alive or byebye) for upnp:rootdevice (nothing if none came in `seconds`)."""
    from async_upnp_client.advertisement import SsdpAdvertisementListener

    async def main():
        got = asyncio.get_running_loop().create_future()

        def on_notify(headers):
            if headers.get("NT") == "upnp:rootdevice" and not got.done():
                got.set_result(wire_headers(headers))

        callback = {"alive": {"on_alive": on_notify}, "byebye": {"on_byebye": on_notify}}[kind]
        listener = SsdpAdvertisementListener(**callback, source=(source_ip, 0))
        await listener.async_start()
        out("ready")
        try:
            out(await asyncio.wait_for(got, float(seconds)))
        except asyncio.TimeoutError:
            pass
        await listener.async_stop()

    asyncio.run(main())


def upnpclient_scan(timeout):
    """upnpclient's own SSDP search: the LOCATIONs it found."""
    import upnpclient.ssdp

    out(sorted(e.location for e in upnpclient.ssdp.scan(timeout=int(timeout))))


def upnpclient_discover(timeout):
    """upnpclient.discover(): its SSDP search, then each LOCATION's description fetched and
    parsed; the devices found, with their services."""
    import upnpclient

    out(
        [
            {
                "location": d.location,
                "friendly_name": d.friendly_name,
                "device_type": d.device_type,
                "services": sorted(s.service_type for s in d.services),
            }
            for d in upnpclient.discover(timeout=int(timeout))
        ]
    )


def raw(source_ip, to_ip, count, mx, seconds):
    """Sends `count` searches for upnp:rootdevice to `to_ip`:1900 (MX `mx`, or none when
    `mx` is `-`), then counts answers for `seconds`; prints the count and when the last
    came, in seconds after the searches were sent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(source_ip))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
    sock.bind((source_ip, 0))
    lines = ["M-SEARCH * HTTP/1.1", f"HOST: {to_ip}:1900", 'MAN: "ssdp:discover"']
    if mx != "-":
        lines.append(f"MX: {mx}")
    lines.append("ST: upnp:rootdevice")
    packet = ("\r\n".join(lines) + "\r\n\r\n").encode()
    for _ in range(int(count)):
        sock.sendto(packet, (to_ip, 1900))
    sent = time.monotonic()
    answers, last = [], None
    while True:
        left = sent + float(seconds) - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data, _ = sock.recvfrom(2048)
        except socket.timeout:
            break
        if data.startswith(b"HTTP/1.1 200"):
            answers.append(data.decode(errors="replace"))
            last = time.monotonic() - sent
    out({"answers": len(answers), "last_after_s": last, "first": answers[0] if answers else None})


def admin_register(base, name, password, address):
    """The office admin: signs in, makes a station, registers the TV's address to it."""

    def call(path, body, cookie=None):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
        req.add_header("Content-Type", "application/json")
        if cookie:
            req.add_header("Cookie", cookie)
        with urllib.request.urlopen(req, timeout=30) as res:
            return res, json.load(res)

    res, _ = call("/api/v1/session", {"name": name, "password": password})
    cookie = res.headers["Set-Cookie"].split(";", 1)[0]
    _, station = call("/api/v1/stations", {"code": "TV-01", "name": "东村", "kind": "village"}, cookie)
    path = f"/api/v1/stations/{station['id']}/addresses"
    call(path, {"address": address}, cookie)
    out(station["id"])


def browse_and_play(location, folder, series_title, seconds):
    """A TV's media menu: async-upnp-client reads the description and calls the
    ContentDirectory's Browse (root → `folder` → `series_title` → its episodes), python-didl-lite
    decodes the DIDL-Lite; then the first episode's first `res` is read in byte ranges, one a
    second of film for `seconds`, as a TV plays it. Prints the titles seen, the res and how
    long the reading took (from the first request to the last answer)."""
    import aiohttp
    from async_upnp_client.aiohttp import AiohttpRequester
    from async_upnp_client.client_factory import UpnpFactory
    from didl_lite import didl_lite

    async def main():
        device = await UpnpFactory(AiohttpRequester()).async_create_device(location)
        browse = device.service("urn:schemas-upnp-org:service:ContentDirectory:1").action("Browse")

        async def children(object_id):
            answer = await browse.async_call(
                ObjectID=object_id, BrowseFlag="BrowseDirectChildren", Filter="*",
                StartingIndex=0, RequestedCount=0, SortCriteria="")
            return didl_lite.from_xml_string(answer["Result"], strict=False)

        top = await children("0")
        shelf = next(o for o in top if o.title == folder)
        series = next(o for o in await children(shelf.id) if o.title == series_title)
        episodes = await children(series.id)
        first = episodes[0]
        res = first.res[0]
        async with aiohttp.ClientSession() as http:
            async with http.head(res.uri) as head:
                length = int(head.headers["Content-Length"])
            steps = int(float(seconds))
            started = time.monotonic()
            for k in range(steps):
                await asyncio.sleep(max(0.0, started + k - time.monotonic()))
                lo, hi = length * k // steps, length * (k + 1) // steps - 1
                async with http.get(res.uri, headers={"Range": f"bytes={lo}-{hi}"}) as got:
                    assert got.status == 206, got.status
                    await got.read()
            took = time.monotonic() - started
        out({
            "top": [o.title for o in top],
            "episodes": [o.title for o in episodes],
            "uri": res.uri,
            "protocol_info": res.protocol_info,
            "took_s": took,
        })

    asyncio.run(main())


def upnpclient_browse(location, folder, series_title):
    """upnpclient (its own description and SOAP code): Browse root → `folder` →
    `series_title`; prints the episodes' titles (DIDL-Lite read with the standard library)."""
    import xml.etree.ElementTree as ET
    import upnpclient

    dc = "{http://purl.org/dc/elements/1.1/}title"
    device = upnpclient.Device(location)

    def children(object_id):
        answer = device.ContentDirectory.Browse(
            ObjectID=object_id, BrowseFlag="BrowseDirectChildren", Filter="*",
            StartingIndex=0, RequestedCount=0, SortCriteria="")
        return [(e.get("id"), e.findtext(dc)) for e in ET.fromstring(answer["Result"])]

    shelf = next(i for i, t in children("0") if t == folder)
    series = next(i for i, t in children(shelf) if t == series_title)
    out([t for _, t in children(series)])


def admin_viewings(base, name, password):
    """The office reads the ledger: the `viewing` entries."""
    req = urllib.request.Request(
        base + "/api/v1/session", method="POST",
        data=json.dumps({"name": name, "password": password}).encode())
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as res:
        cookie = res.headers["Set-Cookie"].split(";", 1)[0]
    req = urllib.request.Request(base + "/api/v1/ledger?limit=1000")
    req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req, timeout=30) as res:
        entries = json.load(res)["entries"]
    out([e for e in entries if e["kind"] == "viewing"])


def admin_call(base, name, password, method, path, body=""):
    """The office signs in and makes one API call; prints {"status", "body"} (errors too)."""
    req = urllib.request.Request(
        base + "/api/v1/session", method="POST",
        data=json.dumps({"name": name, "password": password}).encode())
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as res:
        cookie = res.headers["Set-Cookie"].split(";", 1)[0]
    req = urllib.request.Request(base + path, method=method, data=body.encode() if body else None)
    req.add_header("Cookie", cookie)
    if body:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            status, text = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    out({"status": status, "body": json.loads(text) if text else None})


def fault_proxy(listen_ip, listen_port, upstream, action, mode, arg):
    """A fault injector in front of a real renderer (gmediarender), run in the TV's namespace:
    serves the renderer's description with its URLs pointing here (its UDN and name
    marked with the port, so the server sees another TV), forwards every other request to the renderer
    unchanged, except SOAP `action`: `fault` answers it with UPnP error `arg` (the renderer
    never sees it); `delay` forwards it at once and holds the renderer's answer `arg` seconds.
    Prints "ready", then one line per SOAP action seen, until killed."""
    import http.server
    import re
    import urllib.parse

    up = urllib.parse.urlsplit(upstream)
    here = f"http://{listen_ip}:{listen_port}"

    def fault(code):
        return (
            '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault>'
            "<faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
            '<UPnPError xmlns="urn:schemas-upnp-org:control-1-0">'
            f"<errorCode>{code}</errorCode><errorDescription>injected</errorDescription>"
            "</UPnPError></detail></s:Fault></s:Body></s:Envelope>"
        ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def forward(self, body=None):
            req = urllib.request.Request(
                f"{up.scheme}://{up.netloc}{self.path}", data=body, method=self.command)
            for name in ("Content-Type", "SOAPACTION"):
                if self.headers.get(name):
                    req.add_header(name, self.headers[name])
            try:
                with urllib.request.urlopen(req, timeout=30) as res:
                    return res.status, res.headers.get("Content-Type", "text/xml"), res.read()
            except urllib.error.HTTPError as e:
                return e.code, e.headers.get("Content-Type", "text/xml"), e.read()

        def answer(self, status, ctype, body):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            status, ctype, body = self.forward()
            if self.path == up.path:
                text = body.decode().replace(f"{up.scheme}://{up.netloc}", here)
                text = re.sub(r"<UDN>([^<]*)</UDN>", r"<UDN>\1-fault-" + listen_port + "</UDN>", text)
                text = re.sub(r"<friendlyName>([^<]*)</friendlyName>",
                              r"<friendlyName>\1 (fault injector)</friendlyName>", text)
                body = text.encode()
            self.answer(status, ctype, body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            name = (self.headers.get("SOAPACTION") or "").strip('"').rsplit("#", 1)[-1]
            empty = b"<CurrentURIMetaData></CurrentURIMetaData>" in body or \
                b"<CurrentURIMetaData/>" in body
            out({"action": name, "empty_metadata": empty})
            if name == action and mode == "fault":
                return self.answer(500, 'text/xml; charset="utf-8"', fault(arg))
            status, ctype, answer = self.forward(body)
            if name == action and mode == "delay":
                time.sleep(float(arg))
            self.answer(status, ctype, answer)

    server = http.server.ThreadingHTTPServer((listen_ip, int(listen_port)), Handler)
    out("ready")
    server.serve_forever()


def avt_state(location):
    """The renderer's own answer to GetTransportInfo (upnpclient), read past any proxy."""
    import upnpclient

    device = upnpclient.Device(location)
    out(device.AVTransport.GetTransportInfo(InstanceID=0)["CurrentTransportState"])


def get_volume(location):
    """The renderer's own answer to RenderingControl GetVolume (upnpclient)."""
    import upnpclient

    device = upnpclient.Device(location)
    out(device.RenderingControl.GetVolume(InstanceID=0, Channel="Master")["CurrentVolume"])


COMMANDS = {
    "get-volume": get_volume,
    "fault-proxy": fault_proxy,
    "avt-state": avt_state,
    "admin-call": admin_call,
    "browse-and-play": browse_and_play,
    "upnpclient-browse": upnpclient_browse,
    "admin-viewings": admin_viewings,
    "search": search,
    "listen": listen,
    "upnpclient-scan": upnpclient_scan,
    "upnpclient-discover": upnpclient_discover,
    "raw": raw,
    "admin-register": admin_register,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
