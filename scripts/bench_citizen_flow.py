#!/usr/bin/env python3
"""The citizen's full flow as a browser makes it, timed (BENCHMARKS.md, issue 17).

Starts the given service binary on a fresh SQLite database, creates a unit, a campaign and an open
link through the API, then, on ONE keep-alive connection with a browser's `Accept-Encoding: gzip`,
repeats the flow: open the form (`GET /s/{code}`), submit it (`POST /s/{code}`, answering the first
choice of every question), and open the thank-you page the redirect names. One client, loopback.
Prints the p50/p95/max of the whole flow and of each step, in milliseconds.

    python3 scripts/bench_citizen_flow.py --bin target/release/integritas --count 300

A stall of ~40 ms per compressed response (Nagle against the client's delayed ACK, issue 17) shows
as a flow of ~90 ms instead of a few milliseconds.
"""
import argparse
import gzip
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The first choice of every radio group and select, and every hidden input, of the survey form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "hidden":
                self.fields[name] = a.get("value", "")
            elif kind in ("radio", "checkbox") and name not in self.fields:
                self.fields[name] = a.get("value", "on")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self.fields.setdefault(self._select, a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port: int, key: str, method: str, path: str, body: dict) -> dict:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, json.dumps(body), {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)


def read(r: http.client.HTTPResponse) -> bytes:
    data = r.read()
    return gzip.decompress(data) if r.getheader("Content-Encoding") == "gzip" else data


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/integritas")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--form", default="ipkp")
    args = ap.parse_args()
    port = free_port()
    key = "itg_" + secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ)
        env.update(
            INTEGRITAS_DATABASE_URL=f"sqlite://{d}/flow.sqlite?mode=rwc",
            INTEGRITAS_LISTEN=f"127.0.0.1:{port}",
            INTEGRITAS_PUBLIC_URL=f"http://127.0.0.1:{port}",
            INTEGRITAS_BOOTSTRAP_ADMIN_KEY=key,
            INTEGRITAS_RATE_LIMIT="off",
            INTEGRITAS_MIN_SECONDS="0",
            RUST_LOG="warn",
        )
        log = open(os.path.join(d, "server.log"), "w")
        server = subprocess.Popen([args.bin], env=env, stdout=log, stderr=log, cwd=d)
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            unit = api(port, key, "POST", "/api/v1/units", {"slug": "bench", "name": "Unit Bench", "instansi": "Bench", "service_types": ["Paspor"]})
            campaign = api(port, key, "POST", f"/api/v1/units/{unit['id']}/campaigns", {"form": args.form, "title": "Bench"})
            link = api(port, key, "POST", f"/api/v1/campaigns/{campaign['id']}/links", {"label": "Loket 1"})
            code = link["code"]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Accept-Encoding": "gzip", "Accept": "text/html", "User-Agent": "bench-citizen-flow"}
            steps: dict[str, list[float]] = {"form": [], "submit": [], "thanks": [], "flow": []}
            for i in range(args.count + 20):
                t0 = time.perf_counter()
                conn.request("GET", f"/s/{code}", headers=headers)
                r = conn.getresponse()
                page = read(r).decode()
                if r.status != 200:
                    raise SystemExit(f"form: {r.status}")
                t1 = time.perf_counter()
                p = FormFields()
                p.feed(page)
                body = urllib.parse.urlencode(p.fields)
                conn.request("POST", f"/s/{code}", body, {**headers, "Content-Type": "application/x-www-form-urlencoded"})
                r = conn.getresponse()
                read(r)
                if r.status != 303:
                    raise SystemExit(f"submit: {r.status} (fields {sorted(p.fields)})")
                t2 = time.perf_counter()
                conn.request("GET", r.getheader("Location"), headers=headers)
                r = conn.getresponse()
                read(r)
                if r.status != 200:
                    raise SystemExit(f"thanks: {r.status}")
                t3 = time.perf_counter()
                if i >= 20:  # the first flows warm the connection and the caches
                    for k, v in (("form", t1 - t0), ("submit", t2 - t1), ("thanks", t3 - t2), ("flow", t3 - t0)):
                        steps[k].append(v * 1000)
        finally:
            server.terminate()
            server.wait(10)
    for k, xs in steps.items():
        print(f"{k:7} p50 {statistics.median(xs):7.2f} ms  p95 {pct(xs, 95):7.2f} ms  max {max(xs):7.2f} ms  (n={len(xs)})")


if __name__ == "__main__":
    main()
