"""Twilio webhooks signed by Twilio's own Python library (issue 4 §2).

The official `twilio` package's RequestValidator computes X-Twilio-Signature for requests to
the running server, including URLs with query strings and non-ASCII bodies. Munim must accept
them and reject tampered ones. No browser is needed: plain HTTP against the real binary.
"""
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

from twilio.request_validator import RequestValidator

from support import wait_until

AUTH_TOKEN = "3c1f0e5ad2b94c7e8f6a1b2c3d4e5f60"
ACCOUNT_SID = "AC" + "0" * 32


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.csrf = None

    def call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def post_form(url: str, params: dict, signature: str, body: str | None = None) -> int:
    data = (body if body is not None else urllib.parse.urlencode(params)).encode()
    req = urllib.request.Request(url, data=data, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    req.add_header("X-Twilio-Signature", signature)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_official_validator_signatures_are_accepted_and_tampering_rejected(server: str) -> None:
    client = Client(server)
    status, me = client.call("POST", "/api/v1/auth/signup", {
        "email": f"tw-{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse battery",
        "business_name": "Signature Stores", "owner_name": "Owner"})
    assert status == 201, me
    client.csrf = me["csrf_token"]
    status, channel = client.call("POST", "/api/v1/channels", {
        "kind": "twilio_whatsapp", "name": "WhatsApp",
        "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": "+14155238886"}})
    assert status == 201, channel
    assert AUTH_TOKEN not in json.dumps(channel)
    # Without MUNIM_PUBLIC_URL the webhook URL is this server's own address.
    hook = channel["webhook_url"]
    assert hook.startswith(server), hook

    validator = RequestValidator(AUTH_TOKEN)
    cases = [
        (hook, {"From": "whatsapp:+919812345678", "Body": "Namaste! सीमेंट का भाव? ₹350 ठीक है 🙏"}),
        (hook + "?source=twilio&note=%C3%A9t%C3%A9", {"From": "whatsapp:+919812345679", "Body": "query string & symbols: a+b=c"}),
        (hook, {"From": "whatsapp:+919812345680", "Body": "", "NumMedia": "1",
                "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME", "MediaContentType0": "image/jpeg"}),
    ]
    for url, fields in cases:
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "To": "whatsapp:+14155238886", "AccountSid": ACCOUNT_SID,
                  "ProfileName": "Asha", "WaId": fields["From"][-12:], **fields}
        signature = validator.compute_signature(url, params)
        assert validator.validate(url, params, signature)
        assert post_form(url, params, signature) == 200, url
        # The same delivery again (a Twilio retry) is accepted and deduplicated.
        assert post_form(url, params, signature) == 200, url
        # Tampered: a changed body, a different URL, a signature from another token.
        assert post_form(url, {**params, "Body": params["Body"] + "!"}, signature) == 403
        other_url = url.replace(channel["id"].lower(), str(uuid.uuid4()))
        assert post_form(other_url, params, validator.compute_signature(other_url, params)) in (403, 404)
        forged = RequestValidator("f" * 32).compute_signature(url, params)
        assert post_form(url, params, forged) == 403

    # Deliveries are stored by a job right after the 200 (issue 4 §2): wait for the inbox.
    def inbound_texts() -> list[str]:
        status, sessions = client.call("GET", "/api/v1/inbox/sessions")
        assert status == 200
        texts = []
        for s in sessions["items"]:
            status, page = client.call("GET", f"/api/v1/inbox/sessions/{s['id']}/messages")
            texts += [m["text"] for m in page["items"] if m["direction"] == "in"]
        return texts

    wait_until("the three signed messages in the inbox", lambda: len(inbound_texts()) >= 3, 30)
    texts = inbound_texts()
    assert len(texts) == 3, f"each signed message stored once: {texts}"
    assert len(client.call("GET", "/api/v1/inbox/sessions")[1]["items"]) == 3
    assert "Namaste! सीमेंट का भाव? ₹350 ठीक है 🙏" in texts
