"""Cross-SDK checks for the providers added with issue 19, driven by run.py.

Ours -> SDKs: deliveries signed by webhook_guard::Signer are verified by Twilio's
`RequestValidator`, Square's `verify_signature` and Paddle's `Verifier`, and each refuses them
tampered. SDKs -> receivers: Twilio's `RequestValidator.compute_signature`, Paddle's
`PaddleSignature.calculate_hmac`, PyNaCl (Discord's Ed25519 and Standard Webhooks' `v1a`),
`cryptography` (SendGrid's ECDSA P-256, PayPal's RSA-SHA256 with a throwaway certificate), and
Python's `hmac` following the documented algorithm of the providers that publish no signing SDK
(Shopify, Linear, Zoom and its URL validation, Square, Dropbox and its GET challenge) sign
deliveries POSTed to the example receivers, which must handle each once (one stdout line), refuse it tampered, and answer
Discord's PING with PONG without running the handler.
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
import zlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

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


# The private halves of the receivers' keys, by their public environment variable.
PRIVATE = {}


def receiver_env():
    seed = SigningKey.generate()
    sendgrid = ec.generate_private_key(ec.SECP256R1())
    sendgrid_public = sendgrid.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    paypal = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "throwaway PayPal signer")])
    start = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(paypal.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
            .sign(paypal, hashes.SHA256()))
    cert_file = tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False)
    cert_file.write(cert.public_bytes(serialization.Encoding.PEM))
    cert_file.close()
    standard = SigningKey.generate()
    PRIVATE.update(discord=seed, sendgrid=sendgrid, paypal=paypal, paypal_cert=cert_file.name,
                   standard=standard)
    return {
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "PADDLE_WEBHOOK_SECRET": "pdl_ntfset_" + secrets.token_urlsafe(24),
        "DISCORD_PUBLIC_KEY": seed.verify_key.encode().hex(),
        "SENDGRID_WEBHOOK_PUBLIC_KEY": base64.b64encode(sendgrid_public).decode(),
        "PAYPAL_WEBHOOK_ID": "WH" + secrets.token_hex(8).upper(),
        "PAYPAL_CERT_PEM": cert_file.name,
        "STANDARD_WEBHOOKS_PUBLIC_KEY": "whpk_" + base64.b64encode(
            standard.verify_key.encode()).decode(),
        "SHOPIFY_WEBHOOK_SECRET": secrets.token_hex(16),
        "LINEAR_WEBHOOK_SECRET": "lin_wh_" + secrets.token_hex(16),
        "ZOOM_WEBHOOK_SECRET_TOKEN": secrets.token_urlsafe(16),
        "SQUARE_SIGNATURE_KEY": secrets.token_urlsafe(16),
        "DROPBOX_APP_SECRET": secrets.token_hex(8),
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
    key = PRIVATE["discord"]

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

    # SendGrid: `cryptography` signs `<timestamp><body>` with ECDSA P-256 (DER, base64).
    path = "/webhooks/sendgrid"

    def sendgrid_headers(body, ts=None):
        ts = str(ts or int(time.time()))
        der = PRIVATE["sendgrid"].sign((ts + body).encode(), ec.ECDSA(hashes.SHA256()))
        return {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(der).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": ts, "Content-Type": "application/json"}

    batch = json.dumps([{"email": "zoë@example.com", "event": "delivered",
                         "sg_event_id": secrets.token_urlsafe(16), "timestamp": int(time.time())}],
                       ensure_ascii=False)
    signed = sendgrid_headers(batch)
    rejected(checks, receiver, "sendgrid tampered", path, tampered(batch), signed)
    status, text = receiver.post(path, batch, signed)
    lines = [json.loads(line) for line in receiver.new_lines(2.0)]
    checks.check("sendgrid batch: accepted, one line with a body id",
                 (status, text) == (200, "OK") and len(lines) == 1
                 and lines[0]["provider"] == "sendgrid" and lines[0]["id"].startswith("body_"),
                 f"got {status} {text!r} {lines}")
    # SendGrid's retry of the same batch, signed anew (ECDSA: another signature).
    status, text = receiver.post(path, batch, sendgrid_headers(batch, int(time.time()) + 1))
    lines = receiver.new_lines(0.3)
    checks.check("sendgrid retry of the batch: already processed, no handler",
                 (status, text, lines) == (200, "already processed", []),
                 f"got {status} {text!r} {lines}")

    # PayPal: `cryptography` signs `<id>|<time>|<webhook id>|<crc32>` with RSA-SHA256.
    path = "/webhooks/paypal"

    def paypal_headers(body, transmission):
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = f"{transmission}|{when}|{env['PAYPAL_WEBHOOK_ID']}|{zlib.crc32(body.encode())}"
        signature = PRIVATE["paypal"].sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return {"PAYPAL-TRANSMISSION-ID": transmission, "PAYPAL-TRANSMISSION-TIME": when,
                "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
                "PAYPAL-AUTH-ALGO": "SHA256withRSA",
                "PAYPAL-CERT-URL": "https://api.paypal.com/never-fetched.pem",
                "Content-Type": "application/json"}

    event_id = "WH-" + secrets.token_hex(10).upper()
    event = json.dumps({"id": event_id, "event_type": "PAYMENT.CAPTURE.COMPLETED",
                        "resource": {"amount": {"value": "1.00", "currency_code": "EUR"}}})
    signed = paypal_headers(event, secrets.token_hex(16))
    rejected(checks, receiver, "paypal tampered", path, tampered(event), signed)
    delivered(checks, receiver, "paypal", path, event, signed, "paypal", event_id,
              "PAYMENT.CAPTURE.COMPLETED")
    status, text = receiver.post(path, event, paypal_headers(event, secrets.token_hex(16)))
    lines = receiver.new_lines(0.3)
    checks.check("paypal retry (a new transmission): already processed, no handler",
                 (status, text, lines) == (200, "already processed", []),
                 f"got {status} {text!r} {lines}")
    os.unlink(PRIVATE["paypal_cert"])

    # Standard Webhooks `v1a`: PyNaCl signs `<id>.<timestamp>.<body>` (Ed25519) on the route
    # that also takes `v1` (checked above with the standardwebhooks SDK).
    path = "/webhooks/standard"
    msg_id = "msg_" + secrets.token_hex(12)
    body = json.dumps({"type": "invoice.paid", "data": {"customer": "Zoë"}}, ensure_ascii=False)

    def v1a_headers(ts):
        signature = PRIVATE["standard"].sign(f"{msg_id}.{ts}.{body}".encode()).signature
        return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
                "webhook-signature": "v1a," + base64.b64encode(signature).decode(),
                "Content-Type": "application/json"}

    signed = v1a_headers(int(time.time()))
    rejected(checks, receiver, "standard v1a tampered", path, tampered(body), signed)
    delivered(checks, receiver, "standard v1a", path, body, signed, "standard-webhooks", msg_id,
              "invoice.paid")
    status, text = receiver.post(path, body, v1a_headers(int(time.time()) + 1))
    lines = receiver.new_lines(0.3)
    checks.check("standard v1a re-signed: already processed, no handler",
                 (status, text, lines) == (200, "already processed", []),
                 f"got {status} {text!r} {lines}")

    # The providers without a signing SDK, signed with Python's hmac as each documents it.
    def mac(secret, message, digest=hashlib.sha256):
        return hmac.new(secret.encode(), message.encode(), digest).digest()

    # Shopify: base64 HMAC-SHA256 of the body.
    path = "/webhooks/shopify"
    webhook_id = str(uuid.uuid4())
    body = json.dumps({"id": secrets.randbelow(10**18), "note": "café"}, ensure_ascii=False)
    headers = {"X-Shopify-Hmac-Sha256": base64.b64encode(
        mac(env["SHOPIFY_WEBHOOK_SECRET"], body)).decode(), "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Topic": "orders/create", "Content-Type": "application/json"}
    rejected(checks, receiver, "shopify tampered", path, tampered(body), headers)
    delivered(checks, receiver, "shopify", path, body, headers, "shopify", webhook_id,
              "orders/create")

    # Linear: hex HMAC-SHA256 of the body; `webhookTimestamp` (ms) inside it.
    path = "/webhooks/linear"
    delivery = str(uuid.uuid4())
    body = json.dumps({"action": "create", "type": "Issue", "data": {"title": "Zoë"},
                       "webhookTimestamp": int(time.time() * 1000)}, ensure_ascii=False)
    headers = {"Linear-Signature": mac(env["LINEAR_WEBHOOK_SECRET"], body).hex(),
               "Linear-Delivery": delivery, "Linear-Event": "Issue",
               "Content-Type": "application/json"}
    rejected(checks, receiver, "linear tampered", path, tampered(body), headers)
    delivered(checks, receiver, "linear", path, body, headers, "linear", delivery, "Issue")
    old = body.replace(str(json.loads(body)["webhookTimestamp"]),
                       str(int(time.time() * 1000) - 61_000))
    rejected(checks, receiver, "linear 61 s old", path, old,
             dict(headers, **{"Linear-Signature": mac(env["LINEAR_WEBHOOK_SECRET"], old).hex(),
                              "Linear-Delivery": str(uuid.uuid4())}), expected=400)

    # Zoom: `v0=` + hex HMAC-SHA256 of `v0:<ts>:<body>`; the URL validation answered.
    path = "/webhooks/zoom"
    secret = env["ZOOM_WEBHOOK_SECRET_TOKEN"]

    def zoom_headers(body):
        ts = str(int(time.time()))
        return {"x-zm-signature": "v0=" + mac(secret, f"v0:{ts}:{body}").hex(),
                "x-zm-request-timestamp": ts, "Content-Type": "application/json"}

    event_ts = int(time.time() * 1000)
    body = json.dumps({"event": "meeting.started", "event_ts": event_ts, "payload": {}})
    rejected(checks, receiver, "zoom tampered", path, tampered(body), zoom_headers(body))
    delivered(checks, receiver, "zoom", path, body, zoom_headers(body), "zoom", str(event_ts),
              "meeting.started")
    plain = secrets.token_urlsafe(16)
    validation = json.dumps({"event": "endpoint.url_validation", "event_ts": event_ts + 1,
                             "payload": {"plainToken": plain}})
    status, text = receiver.post(path, validation, zoom_headers(validation))
    answer = json.loads(text) if status == 200 else {}
    checks.check("zoom url_validation: answered with the token and its HMAC",
                 answer == {"plainToken": plain, "encryptedToken": mac(secret, plain).hex()},
                 f"got {status} {text!r}")
    lines = receiver.new_lines(0.5)
    checks.check("zoom url_validation: no handler ran", lines == [], f"{lines}")

    # Square: base64 HMAC-SHA256 of the notification URL then the body.
    path = "/webhooks/square"
    event_id = str(uuid.uuid4())
    body = json.dumps({"merchant_id": "M1", "type": "payment.created", "event_id": event_id,
                       "data": {}})
    headers = {"x-square-hmacsha256-signature": base64.b64encode(
        mac(env["SQUARE_SIGNATURE_KEY"], receiver.base + path + body)).decode(),
        "Content-Type": "application/json"}
    checks.check("square: Square's own helper agrees with the signature", square_verify(
        request_body=body, signature_header=headers["x-square-hmacsha256-signature"],
        signature_key=env["SQUARE_SIGNATURE_KEY"], notification_url=receiver.base + path))
    rejected(checks, receiver, "square tampered", path, tampered(body), headers)
    delivered(checks, receiver, "square", path, body, headers, "square", event_id,
              "payment.created")

    # Dropbox: hex HMAC-SHA256 of the body; the id derives from the MAC; the GET challenge.
    path = "/webhooks/dropbox"
    body = json.dumps({"list_folder": {"accounts": ["dbid:" + secrets.token_hex(8)]}})
    signature = mac(env["DROPBOX_APP_SECRET"], body)
    sig_id = "sig_" + hashlib.sha256(b"webhook-guard signature id\0" + signature).hexdigest()[:32]
    headers = {"X-Dropbox-Signature": signature.hex(), "Content-Type": "application/json"}
    rejected(checks, receiver, "dropbox tampered", path, tampered(body), headers)
    delivered(checks, receiver, "dropbox", path, body, headers, "dropbox", sig_id, "")
    challenge = secrets.token_urlsafe(24)
    with urllib.request.urlopen(f"{receiver.base}{path}?challenge={challenge}", timeout=10) as r:
        status, text, nosniff = r.status, r.read().decode(), r.headers.get("X-Content-Type-Options")
    checks.check("dropbox challenge: echoed as plain text with nosniff",
                 (status, text, nosniff) == (200, challenge, "nosniff"),
                 f"got {status} {text!r} {nosniff}")
