"""Fixtures for the browser tests: a real munim server on a free port and a Chromium page
that records console errors and page errors (any of them fails the test)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from support import _free_port, _log_tail  # noqa: F401 (re-exported to the test modules)

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent
ARTIFACTS = E2E_DIR / "artifacts"
READY_TIMEOUT_S = 60
READY_POLL_S = 0.25

expect.set_options(timeout=15_000)

# Where the session's `server` keeps its SQLite file, for tests that plant rows behind its back
# (test_operations.py: jobs that gave up). Read it through the `server_sqlite` fixture.
SERVER_FILES: dict[str, Path] = {}


def _wait_ready(proc: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last_error = "no attempt made"
    for _ in range(int(READY_TIMEOUT_S / READY_POLL_S) + 1):
        if proc.poll() is not None:
            pytest.fail(f"munim exited with code {proc.returncode} before it was ready.\n{_log_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{base_url}/ready", timeout=2) as resp:
                if resp.status == 200:
                    return
                last_error = f"HTTP {resp.status}"
        except urllib.error.HTTPError as e:
            last_error = f"HTTP {e.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            last_error = str(e)
        if time.monotonic() >= deadline:
            break
        time.sleep(READY_POLL_S)
    pytest.fail(f"munim was not ready within {READY_TIMEOUT_S}s ({last_error}).\n{_log_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Starts `munim serve` on a free loopback port with a throwaway SQLite database."""
    binary = Path(os.environ.get("MUNIM_BIN", str(REPO_ROOT / ".build" / "debug" / "munim")))
    if not binary.exists():
        pytest.fail(f"munim binary not found at {binary} (build it first, or set MUNIM_BIN)")
    data_dir = tmp_path_factory.mktemp("munim-e2e")
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{data_dir}/e2e.sqlite",
        MUNIM_DATA_DIR=str(data_dir),
        MUNIM_LOG_LEVEL="warning",
    )
    log_path = data_dir / "server.log"
    base_url = f"http://127.0.0.1:{port}"
    SERVER_FILES["sqlite"] = data_dir / "e2e.sqlite"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            _wait_ready(proc, base_url, log_path)
            yield base_url
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def server_sqlite(server: str) -> Path:
    """The SQLite file of the session's `server`."""
    return SERVER_FILES["sqlite"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox"],
        )
        try:
            yield b
        finally:
            b.close()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "allow_console_errors(*patterns): console errors matching one of these regular expressions "
        "are expected (e.g. the browser's 'Failed to load resource' line for a deliberate 422) and do not fail the test",
    )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, server, request):
    """A fresh browser context (no cookies) per test. Console errors and uncaught page errors
    are collected; if there were any, the test fails. On failure a screenshot is saved to
    e2e/artifacts/<test>.png."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems: list[str] = []

    def on_console(msg):
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc.get("url") else ""
            problems.append(f"console.error: {msg.text}{where}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    yield pg

    marker = request.node.get_closest_marker("allow_console_errors")
    if marker is not None:
        allowed = [re.compile(p) for p in marker.args]
        problems[:] = [p for p in problems if not any(a.search(p) for a in allowed)]

    call = getattr(request.node, "rep_call", None)
    failed = call is not None and call.failed
    if failed or problems:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
        except Exception as e:  # the page may be gone; the failure itself matters more
            print(f"could not save screenshot: {e}")
    context.close()
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems), pytrace=False)
