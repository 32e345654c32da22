"""First load (issue 19 §6): the web app's files and JSON go gzip-compressed to a client that
accepts it, and byte for byte the same once inflated; they carry validators, so a repeat visit
gets 304 with no body; the live event stream is never compressed (it must arrive event by event);
and the login page loads only the shell and the sign-in page, not the other pages' modules."""

from __future__ import annotations

import gzip
import json

import brotli
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import Page, expect

from test_ledger_flow import PASSWORD, tid


def fetch(url: str, **headers: str):
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_files_are_compressed_and_revalidated(server: str) -> None:
    for path, kind in [("/", "text/html"), ("/js/app.js", "javascript"), ("/css/app.css", "text/css"),
                       ("/img/logo.svg", "image/svg+xml"), ("/api/v1/openapi.json", "application/json")]:
        status, headers, plain = fetch(server + path)
        assert status == 200 and kind in headers["Content-Type"], (path, status, headers["Content-Type"])
        assert headers.get("Content-Encoding") is None, f"{path}: compressed for a client that did not ask"
        status, headers, packed = fetch(server + path, **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("Content-Encoding") == "gzip", (path, headers.items())
        assert gzip.decompress(packed) == plain, f"{path}: inflated body differs"
        if path != "/api/v1/openapi.json" and len(plain) > 1000:
            assert len(packed) < len(plain) / 2, (path, len(packed), len(plain))

    # Static files: validators and "ask each time"; an unchanged file answers 304 with no body.
    status, headers, _ = fetch(server + "/js/app.js")
    etag = headers["ETag"]
    assert headers["Cache-Control"] == "no-cache" and etag, headers.items()
    status, headers, body = fetch(server + "/js/app.js", **{"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert status == 304 and body == b"", (status, len(body))
    # The API is never cached.
    status, headers, _ = fetch(server + "/api/v1/openapi.json")
    assert headers["Cache-Control"] == "no-store"


def test_the_apps_files_come_in_brotli_when_asked(server: str) -> None:
    """Brotli for the web app's own files (smaller than gzip), byte for byte the same once decoded;
    with its own validator, so a repeat visit gets 304; q=0 refuses it; the API stays gzip."""
    for path in ["/", "/js/app.js", "/js/pages-auth.js", "/css/app.css", "/img/logo.svg", "/i18n/hi.json"]:
        _, _, plain = fetch(server + path)
        status, headers, packed = fetch(server + path, **{"Accept-Encoding": "gzip, deflate, br"})
        assert status == 200 and headers.get("Content-Encoding") == "br", (path, headers.items())
        assert headers.get("Vary") == "Accept-Encoding" and headers.get("Cache-Control") == "no-cache", headers.items()
        assert brotli.decompress(packed) == plain, f"{path}: decoded body differs"
        _, _, zipped = fetch(server + path, **{"Accept-Encoding": "gzip"})
        if len(plain) > 1000:
            assert len(packed) < len(zipped), (path, len(packed), len(zipped))
        status, _, body = fetch(server + path, **{"Accept-Encoding": "br", "If-None-Match": headers["ETag"]})
        assert status == 304 and body == b"", (path, status)
    status, headers, _ = fetch(server + "/js/app.js", **{"Accept-Encoding": "br;q=0, gzip"})
    assert headers.get("Content-Encoding") == "gzip", headers.items()
    status, headers, _ = fetch(server + "/api/v1/openapi.json", **{"Accept-Encoding": "br, gzip"})
    assert headers.get("Content-Encoding") == "gzip", headers.items()
    status, _, _ = fetch(server + "/js/../../etc/passwd", **{"Accept-Encoding": "br"})
    assert status in (400, 403, 404), status


def test_live_events_are_not_compressed(server: str) -> None:
    email = f"sse-{uuid.uuid4().hex[:8]}@example.com"
    req = urllib.request.Request(server + "/api/v1/auth/signup", method="POST", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"email": email, "password": PASSWORD, "business_name": "Live Traders",
                                                  "owner_name": "Live"}).encode())
    with urllib.request.urlopen(req, timeout=30) as r:
        cookie = r.headers["Set-Cookie"].split(";")[0]
    req = urllib.request.Request(server + "/api/v1/events", headers={"Cookie": cookie, "Accept-Encoding": "gzip",
                                                                    "Accept": "text/event-stream"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert r.headers.get("Content-Encoding") is None, r.headers.items()
        first = r.readline()  # the stream's first line arrives uncompressed, without waiting for more
        assert first.startswith(b":") or first.startswith(b"event:") or first.startswith(b"retry:") or first.startswith(b"data:"), first


def test_login_page_loads_only_what_it_needs(page: Page) -> None:
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url.split("/js/", 1)[1]) if "/js/" in r.url else None)
    page.goto("/#/login")
    expect(tid(page, "page-title")).to_have_text("Log in")
    page.wait_for_load_state("networkidle")
    loaded = set(scripts)
    assert "pages-auth.js" in loaded and "app.js" in loaded, loaded
    for heavy in ["workflow-builder.js", "pages-dashboard.js", "pages-inbox.js", "pages-invoices.js", "pages-reports.js", "chart.js"]:
        assert heavy not in loaded, f"the login page loaded {heavy}: {sorted(loaded)}"
