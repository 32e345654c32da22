"""The owner's voice note on WhatsApp, end to end in a browser (issue 18 §1).

A real `munim serve` talks to two local fakes: Twilio (the account fetch, Messages.json, and a
media URL that requires the account's HTTP Basic credentials, as Twilio's does) and a
speech-to-text server of its own (`MUNIM_STT_BASE_URL`, no key, no LLM). A voice note signed
with Twilio's own RequestValidator arrives from the owner's number; Munim downloads it, hears it,
answers with "Heard: …" and the preview card; the Inbox then plays the voice note (fetched by the
server with the credentials) with the transcript under it, at phone size.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import uuid
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from twilio.request_validator import RequestValidator

from support import PASSWORD, serve_with, wait_until
from test_twilio_signatures import post_form

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "5e1f0e5ad2b94c7e8f6a1b2c3d4e5f60"
HEARD = "sold 2 bags cement to Ramesh at 350, he paid 500"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def silent_wav(seconds: float = 1.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


class Fakes:
    """Twilio and the speech-to-text server on one loopback port, recording what they saw."""

    def __init__(self) -> None:
        self.media: dict[str, bytes] = {}
        self.media_auth: list[str | None] = []
        self.sent: list[dict] = []
        self.transcriptions = 0
        fakes = self
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}.json":
                    return self.reply(200, json.dumps({"sid": ACCOUNT_SID, "status": "active"}).encode())
                m = re.fullmatch(r"/2010-04-01/Accounts/AC\w+/Messages/MM\w+/Media/(ME\w+)", self.path)
                if m:
                    fakes.media_auth.append(self.headers.get("Authorization"))
                    if self.headers.get("Authorization") != expected:
                        return self.reply(401, json.dumps({"code": 20003, "message": "Authenticate", "status": 401}).encode())
                    return self.reply(200, fakes.media[m.group(1)], "audio/wav")
                self.reply(404, b"{}")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.endswith("/Messages.json"):
                    from urllib.parse import parse_qs
                    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                    fakes.sent.append(form)
                    sid = "SM" + uuid.uuid4().hex
                    return self.reply(201, json.dumps({"sid": sid, "status": "queued", "account_sid": ACCOUNT_SID}).encode())
                if self.path == "/v1/audio/transcriptions":
                    assert b'name="file"' in body and b"RIFF" in body
                    fakes.transcriptions += 1
                    return self.reply(200, json.dumps({"text": HEARD}).encode())
                self.reply(404, b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_media(self, data: bytes) -> str:
        sid = "ME" + uuid.uuid4().hex
        self.media[sid] = data
        return f"{self.base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{uuid.uuid4().hex}/Media/{sid}"


@pytest.fixture
def voice_server(tmp_path):
    fakes = Fakes()
    try:
        with serve_with(tmp_path, "voice", MUNIM_TWILIO_API_URL=fakes.base, MUNIM_STT_BASE_URL=fakes.base + "/v1") as base:
            yield base, fakes
    finally:
        fakes.server.shutdown()


def test_owner_voice_note_is_heard_and_played_in_the_inbox(browser: Browser, voice_server) -> None:
    base, fakes = voice_server
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        email = f"voice-{uuid.uuid4().hex[:8]}@example.com"
        r = page.request.post("/api/v1/auth/signup", data={"email": email, "password": PASSWORD,
                                                            "business_name": "Patel Cement", "owner_name": "Asha"})
        assert r.status == 201, r.text()
        headers = {"X-CSRF-Token": r.json()["csrf_token"], "Content-Type": "application/json"}
        for path, body in [("/api/v1/products", {"name": "Cement", "unit": "bag", "price": 35000, "stock": 40}),
                           ("/api/v1/customers", {"name": "Ramesh"})]:
            created = page.request.post(path, headers=headers, data=body)
            assert created.status == 201, created.text()
        assert page.request.patch("/api/v1/business", headers=headers, data={"whatsapp_number": "+919900000001"}).ok
        channel = page.request.post("/api/v1/channels", headers=headers, data={
            "kind": "twilio_whatsapp", "name": "Shop WhatsApp",
            "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+14155238886"}}).json()

        hook = channel["webhook_url"]
        params = {"MessageSid": "MM" + uuid.uuid4().hex, "From": "whatsapp:+919900000001", "To": "whatsapp:+14155238886",
                  "Body": "", "NumMedia": "1", "MediaUrl0": fakes.add_media(silent_wav()), "MediaContentType0": "audio/ogg",
                  "AccountSid": ACCOUNT_SID, "ProfileName": "Asha", "WaId": "919900000001"}
        assert post_form(hook, params, RequestValidator(AUTH_TOKEN).compute_signature(hook, params)) == 200

        reply = wait_until("the assistant's reply on WhatsApp", lambda: next((m["Body"] for m in fakes.sent if "Heard:" in m.get("Body", "")), None), 60)
        assert reply.startswith(f"Heard: “{HEARD}”"), reply
        assert "Reply 1 to confirm" in reply
        assert fakes.transcriptions == 1
        assert fakes.media_auth and all(a and a.startswith("Basic ") for a in fakes.media_auth)

        page.goto("/#/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("page-title")).to_have_text("Dashboard")
        page.goto("/#/inbox")
        page.get_by_test_id("inbox-session-row").first.click()
        audio = page.get_by_test_id("message-audio")
        expect(audio).to_have_count(1)
        expect(page.get_by_test_id("message-transcript")).to_contain_text(HEARD)
        src = audio.get_attribute("src")
        assert src and re.fullmatch(r"/api/v1/inbox/messages/[0-9a-fA-F-]{36}/media/0", src), src
        played = page.request.get(src)
        assert played.status == 200 and played.headers["content-type"] == "audio/wav"
        assert played.body()[:4] == b"RIFF"
        # Phone width: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "voice-note-inbox-390.png"))
        assert not problems, problems
    finally:
        context.close()
