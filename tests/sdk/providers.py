"""Cross-SDK checks for the providers added with issue 19, driven by run.py.

Ours -> SDKs: deliveries signed by webhook_guard::Signer are verified by Twilio's
`RequestValidator`, Square's `verify_signature` and Paddle's `Verifier`, and each refuses them
tampered. SDKs -> receivers: Twilio's `RequestValidator.compute_signature`, Paddle's
`PaddleSignature.calculate_hmac` and PyNaCl (Discord's Ed25519) sign deliveries POSTed to the
example receivers, which must handle each once (one stdout line), refuse it tampered, and answer
Discord's PING with PONG without running the handler.
"""
import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse

from nacl.signing import SigningKey
from paddle_billing.Notifications import Secret as PaddleSecret
from paddle_billing.Notifications import Verifier as PaddleVerifier
from paddle_billing.Notifications.PaddleSignature import PaddleSignature
from square.utils.webhooks_helper import verify_signature as square_verify
from twilio.request_validator import RequestValidator

# The schemes these checks cover; run.py leaves them to this module.
SCHEMES = {"twilio", "square", "paddle"}


class _PaddleRequest:
    """What Paddle's Verifier reads from a request: `headers.get` and `body`."""

    def __init__(self, headers, body):
        self.headers = headers
        self.body = body.encode()


def tampered(body):
    return body[:-1] + ("0" if body[-1:] != "0" else "1")


def ours_to_sdks(checks, deliveries):
    seen = set()
    for d in deliveries:
        scheme, secret, body = d["scheme"], d["secret"], d["body"]
        if scheme not in SCHEMES:
            continue
        seen.add(scheme)
        headers = dict(d["headers"])
        bad = tampered(body)
        if scheme == "twilio":
            validator = RequestValidator(secret)
            signature = headers["x-twilio-signature"]
            params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
            bad_params = dict(params, Body=params.get("Body", "") + "!")
            ok = validator.validate(d["url"], params, signature)
            refused = not validator.validate(d["url"], bad_params, signature)
            refused = refused and not validator.validate(d["url"] + "x", params, signature)
        elif scheme == "square":
            signature = headers["x-square-hmacsha256-signature"]
            verify = lambda payload, url: square_verify(  # noqa: E731
                request_body=payload, signature_header=signature, signature_key=secret,
                notification_url=url)
            ok = verify(body, d["url"])
            refused = not verify(bad, d["url"]) and not verify(body, d["url"] + "x")
        else:  # paddle
            request_headers = {"Paddle-Signature": headers["paddle-signature"]}
            # Signed when the test started: the SDK's 5 s drift check is not what is tested here
            # (tests/providers.rs checks our window).
            verify = lambda payload: PaddleVerifier().verify(  # noqa: E731
                _PaddleRequest(request_headers, payload), PaddleSecret(secret),
                verify_time_drift=False)
            ok = verify(body)
            refused = not verify(bad)
        checks.check(f"{scheme} SDK verifies our signature ({d['name']})", ok is True, f"{ok}")
        checks.check(f"{scheme} SDK refuses it tampered ({d['name']})", refused)
    checks.check("our signer covered twilio, square and paddle", seen == SCHEMES, f"{seen}")


def receiver_env():
    seed = SigningKey.generate()
    return {
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "PADDLE_WEBHOOK_SECRET": "pdl_ntfset_" + secrets.token_urlsafe(24),
        "DISCORD_PUBLIC_KEY": seed.verify_key.encode().hex(),
        "_DISCORD_SEED": seed.encode().hex(),
    }


def to_receiver(checks, receiver, env, delivered, rejected):
    # Twilio: the SDK computes the signature over the URL it calls and the sorted parameters.
    path = "/webhooks/twilio"
    url = receiver.base + path
    sid = "CA" + secrets.token_hex(16)
    params = {"CallSid": sid, "From": "+15551234567", "To": "+15557654321",
              "Body": "café à Paris & co"}
    body = urllib.parse.urlencode(params)
    signature = RequestValidator(env["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    token = secrets.token_hex(8)
    headers = {"X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": token,
               "Content-Type": "application/x-www-form-urlencoded"}
    rejected(checks, receiver, "twilio tampered", path, tampered(body), headers)
    delivered(checks, receiver, "twilio", path, body, headers, "twilio", token, "")

    # Paddle: the SDK's own HMAC over `<ts>:<body>`.
    path = "/webhooks/paddle"
    notification = "ntf_" + secrets.token_hex(12)
    body = json.dumps({"event_id": "evt_" + secrets.token_hex(8), "event_type":
                       "transaction.completed", "notification_id": notification, "data": {}})
    ts = int(time.time())
    mac = PaddleSignature.calculate_hmac(env["PADDLE_WEBHOOK_SECRET"], f"{ts}:{body}".encode())
    headers = {"Paddle-Signature": f"ts={ts};h1={mac.hexdigest()}",
               "Content-Type": "application/json"}
    rejected(checks, receiver, "paddle tampered", path, tampered(body), headers)
    delivered(checks, receiver, "paddle", path, body, headers, "paddle", notification,
              "transaction.completed")

    # Discord: PyNaCl signs `<timestamp><body>` with the application's key.
    path = "/webhooks/discord"
    key = SigningKey(bytes.fromhex(env["_DISCORD_SEED"]))

    def discord_headers(body, ts=None):
        ts = str(ts or int(time.time()))
        signature = key.sign((ts + body).encode()).signature.hex()
        return {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": ts,
                "Content-Type": "application/json"}

    ping = json.dumps({"id": str(secrets.randbelow(10**18)), "type": 1, "version": 1})
    for attempt in ("", " again"):
        status, text = receiver.post(path, ping, discord_headers(ping))
        checks.check(f"discord PING{attempt}: answered PONG", (status, json.loads(text or "{}"))
                     == (200, {"type": 1}), f"got {status} {text!r}")
    lines = receiver.new_lines(1.0)
    checks.check("discord PING: answered by the layer, no handler ran", lines == [], f"{lines}")
    interaction_id = str(secrets.randbelow(10**18))
    command = json.dumps({"id": interaction_id, "type": 2, "data": {"name": "ping"}})
    signed = discord_headers(command)
    rejected(checks, receiver, "discord tampered", path, tampered(command), signed)
    rejected(checks, receiver, "discord 301 s old", path, command,
             discord_headers(command, int(time.time()) - 301), expected=400)
    delivered(checks, receiver, "discord command", path, command, signed, "discord",
              interaction_id, "2")
    # Signed anew (another timestamp): the same interaction, not handled again.
    status, text = receiver.post(path, command, discord_headers(command, int(time.time()) + 1))
    lines = receiver.new_lines(1.0)
    checks.check("discord re-signed copy: already processed, no handler",
                 (status, text, lines) == (200, "already processed", []),
                 f"got {status} {text!r} {lines}")
