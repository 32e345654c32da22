#!/usr/bin/env python3
"""First load of the web app (issue 19 §6), in Chromium through Playwright against `munim serve`.

Prints, as medians over --rounds fresh browser contexts:
  * requests and bytes transferred (what crossed the wire: compressed bodies plus headers, from
    Chrome's own network events) for the login page and for the dashboard after logging in;
  * time from the login click to the dashboard's last panel drawn (measured in the page), cold
    (empty cache) and warm (the same browser logging in again: its files answer 304), and how
    much of it the login request itself took (bcrypt at MUNIM_BCRYPT_COST, 12 by default);
  * bytes transferred when the dashboard is reloaded warm.
Targets on the 2-core machine: login page <= 60 KB, dashboard <= 150 KB, login to dashboard <= 500 ms.
It asserts nothing. MUNIM_BIN names the binary (default .build/release/munim)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary: str, workdir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite", MUNIM_DATA_DIR=workdir,
               MUNIM_PORT=str(port), MUNIM_LOG_LEVEL="warning",
               # Each round logs in twice: more rounds than the default limit of 10 a minute allows.
               MUNIM_LOGIN_RATE_LIMIT="1000")
    proc = subprocess.Popen([binary, "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(base + "/health", timeout=2).status == 200:
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("munim did not start")


class Wire:
    """Counts requests and transferred bytes of one page through the DevTools protocol."""

    def __init__(self, context, page) -> None:
        self.requests = 0
        self.bytes = 0
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: self._request())
        cdp.on("Network.loadingFinished", lambda e: self._bytes(e.get("encodedDataLength", 0)))

    def _request(self) -> None:
        self.requests += 1

    def _bytes(self, n: float) -> None:
        self.bytes += int(n)

    def take(self) -> tuple[int, int]:
        out = (self.requests, self.bytes)
        self.requests, self.bytes = 0, 0
        return out


def drawn(page) -> None:
    """The dashboard's panels are drawn: its figures are on screen and nothing is loading."""
    page.wait_for_selector("[data-testid=dashboard-updated]", timeout=60_000)
    page.wait_for_function("!document.querySelector('main [data-testid=loading]')", timeout=60_000)


# Measured inside the page (performance.now()), from the click event to the moment the dashboard's
# "Updated …" line is written with nothing left loading: Playwright's own polling would add its
# latency to every figure.
WATCH = """() => {
  window.__drawn = null;
  const button = document.querySelector('[data-testid=login-submit]');
  button.addEventListener('click', () => { window.__clicked = performance.now(); }, { capture: true, once: true });
  new MutationObserver((_, observer) => {
    const updated = document.querySelector('[data-testid=dashboard-updated]');
    if (updated && updated.textContent && !document.querySelector('main [data-testid=loading]')) {
      window.__drawn = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def login(page) -> float:
    page.wait_for_selector("[data-testid=login-submit]")
    page.fill("[data-testid=login-email]", EMAIL)
    page.fill("[data-testid=login-password]", PASSWORD)
    page.evaluate(WATCH)
    page.click("[data-testid=login-submit]")
    drawn(page)
    page.wait_for_function("window.__drawn !== null", timeout=60_000)
    return page.evaluate("window.__drawn - window.__clicked")


def login_request_ms(page) -> float:
    """How long the login request took (the password check is most of it)."""
    return page.evaluate("""performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/v1/auth/login')).pop().duration""")


def quiet(page) -> None:
    page.wait_for_load_state("networkidle")


def main() -> None:
    global EMAIL
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    binary = os.environ.get("MUNIM_BIN", str(ROOT / ".build/release/munim"))
    with tempfile.TemporaryDirectory() as workdir:
        proc, base = start(binary, workdir)
        try:
            EMAIL = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            req = urllib.request.Request(base + "/api/v1/auth/signup", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"email": EMAIL, "password": PASSWORD, "business_name": "Bench Traders",
                                                          "owner_name": "Bench"}).encode())
            urllib.request.urlopen(req, timeout=30)
            figures: dict[str, list[float]] = {}

            def note(name: str, value: float) -> None:
                figures.setdefault(name, []).append(value)

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                            args=["--no-sandbox"])
                for _ in range(args.rounds):
                    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
                    page = context.new_page()
                    wire = Wire(context, page)
                    page.goto("/#/login")
                    page.wait_for_selector("[data-testid=login-submit]")
                    quiet(page)
                    r, b = wire.take()
                    note("login page: requests", r)
                    note("login page: KB transferred", b / 1024)
                    note("login → dashboard drawn, cold (ms)", login(page))
                    note("  of which the login request (ms)", login_request_ms(page))
                    quiet(page)
                    r, b = wire.take()
                    note("dashboard after login: requests", r)
                    note("dashboard after login: KB transferred", b / 1024)
                    # Warm: the same browser (its files cached) without its session logs in again.
                    context.clear_cookies()
                    page.goto("about:blank")
                    page.goto("/#/login")
                    quiet(page)
                    wire.take()
                    note("login → dashboard drawn, warm (ms)", login(page))
                    quiet(page)
                    wire.take()
                    page.reload()
                    drawn(page)
                    quiet(page)
                    r, b = wire.take()
                    note("dashboard reload, warm: requests", r)
                    note("dashboard reload, warm: KB transferred", b / 1024)
                    context.close()
                browser.close()
            print(f"First load at 390×844, medians of {args.rounds} fresh browser contexts ({Path(binary).name}):")
            for name, values in figures.items():
                print(f"  {name:<42} {statistics.median(values):8.1f}   (min {min(values):.1f}, max {max(values):.1f})")
            print("  targets: login page <= 60 KB, dashboard <= 150 KB, login → dashboard <= 500 ms")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


EMAIL = ""

if __name__ == "__main__":
    main()
