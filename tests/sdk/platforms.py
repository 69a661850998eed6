#!/usr/bin/env python3
"""Cross-SDK checks for the platform schemes of issue 28: Meta, HubSpot, Twitch, Trello, Box,
Xero, Bitbucket, Calendly and Mux.

    python3 tests/sdk/platforms.py --signed SIGNED.json RECEIVER [RECEIVER...]

Run by `tests/sdk_platforms.rs` (`cargo test --test sdk_platforms`), which builds the example
receivers and writes SIGNED.json with deliveries signed by `webhook_guard::Signer`.

1. webhook-guard -> SDK: every delivery in SIGNED.json verifies with the provider's own
   verification code where it publishes one on PyPI (`hubspot-api-client`'s
   `hubspot.utils.signature.Signature.is_valid` for the v3 signature, Box's
   `box_sdk_gen` `WebhooksManager.validate_message` with either key), and with the documented
   algorithm written here with Python's `hmac` for the providers that publish none for
   Python (Meta, Twitch, Trello, Xero, Bitbucket, Calendly, Mux); a copy with a flipped bit
   does not verify.
2. SDK -> receiver: each RECEIVER is started on a free port with fresh secrets; deliveries
   signed by the SDKs (`Signature.get_signature`, Box's `compute_webhook_signature`) or by the
   documented algorithm are sent over real HTTP: a flipped bit is 401; the delivery is handled
   once (200, one stdout line); the same request again and the provider's retry (its id kept,
   signed anew where the provider signs a time) are answered "already processed" without a
   line; a stale timestamp is 400; and each provider's check of the endpoint is answered by
   the layer, with no handler run: Meta's `GET ?hub.verify_token=..&hub.challenge=..` (only
   with the configured token), Twitch's `webhook_callback_verification`, Xero's intent to
   receive (signed: 200 and an empty body; badly signed: 401), Trello's `HEAD`.

Exit status: 0 when every check passes, 1 when one fails, 2 when a Python package is missing
(run `scripts/test.sh`, which installs tests/sdk/requirements.txt).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
MISSING = 2

try:
    from box_sdk_gen.internal.utils import compute_webhook_signature as box_signature
    from box_sdk_gen.managers.webhooks import WebhooksManager as BoxWebhooks
    from hubspot.utils.signature import Signature as HubSpotSignature

    from run import Checks, Receiver, delivered, duplicate, rejected
except ImportError as error:
    print(
        f"tests/sdk/platforms.py: the Python package {error.name!r} is missing: run "
        "scripts/test.sh, which installs the providers' SDKs (tests/sdk/requirements.txt)",
        file=sys.stderr,
    )
    sys.exit(MISSING)


def flipped(body):
    """The body with one bit of its first letter flipped."""
    i = next(i for i, c in enumerate(body) if c.isalpha())
    return body[:i] + chr(ord(body[i]) ^ 1) + body[i + 1:]


def mac(secret, data, digest=hashlib.sha256):
    return hmac.new(secret.encode(), data.encode(), digest).digest()


def hex_mac(secret, data, digest=hashlib.sha256):
    return mac(secret, data, digest).hex()


def b64_mac(secret, data, digest=hashlib.sha256):
    return base64.b64encode(mac(secret, data, digest)).decode()


def body_id(body):
    """The id webhook-guard gives a delivery identified by its body (`Field::BodyDigest`)."""
    digest = hashlib.sha256(b"webhook-guard body id\0" + body.encode()).hexdigest()
    return "body_" + digest[:32]


def body_id_without(body, name):
    """The id webhook-guard gives a delivery identified by its body less the members called
    `name` (`Field::BodyDigestWithout`): the body written back compactly, keys sorted."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != name}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    canonical = json.dumps(strip(json.loads(body)), separators=(",", ":"), sort_keys=True,
                           ensure_ascii=False)
    digest = hashlib.sha256(b"webhook-guard body id without\0" + name.encode() + b"\0"
                            + canonical.encode()).hexdigest()
    return "body_" + digest[:32]


def keyed(header):
    """`t=..,v1=..` as a dict."""
    return dict(part.split("=", 1) for part in header.split(","))


def send(receiver, method, path, body="", headers=None):
    request = urllib.request.Request(receiver.base + path, data=body.encode() or None,
                                     headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def answered(checks, receiver, name, method, path, body, headers, status, text):
    got = send(receiver, method, path, body, headers)
    lines = receiver.new_lines(0.5)
    checks.check(f"{name}: answered {status} {text!r}, no handler",
                 got == (status, text) and lines == [], f"got {got} {lines}")


def rfc3339(at, nanos=False):
    at = at.astimezone(timezone.utc)
    if nanos:
        return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond:06d}123Z"
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- The providers' verification, for our signer's output -----------------------------------

def box_headers(headers):
    """Box's SDK checks the two headers Box sends beside the signatures."""
    return dict(headers, **{"box-signature-version": "1",
                            "box-signature-algorithm": "HmacSHA256"})


def verifies(d, body):
    """True when the provider's SDK (or its documented algorithm) accepts `body` with the
    delivery's headers, its refusal otherwise."""
    scheme, secret, url = d["scheme"], d["secret"], d["url"]
    headers = dict(d["headers"])
    now = time.time()
    try:
        if scheme == "hubspot":
            return HubSpotSignature.is_valid(
                signature=headers["x-hubspot-signature-v3"], client_secret=secret,
                request_body=body, http_uri=url, http_method="POST", signature_version="v3",
                timestamp=headers["x-hubspot-request-timestamp"])
        if scheme == "box":
            primary = BoxWebhooks.validate_message(body, box_headers(headers), secret,
                                                   secondary_key=d["secondary"])
            # Either key alone: the secondary verifies while the primary is being rotated.
            secondary = BoxWebhooks.validate_message(body, box_headers(headers), "rotated-away",
                                                     secondary_key=d["secondary"])
            return primary and secondary
        if scheme == "meta":
            return hmac.compare_digest(headers["x-hub-signature-256"],
                                       "sha256=" + hex_mac(secret, body))
        if scheme == "twitch":
            signed = (headers["twitch-eventsub-message-id"]
                      + headers["twitch-eventsub-message-timestamp"] + body)
            return hmac.compare_digest(headers["twitch-eventsub-message-signature"],
                                       "sha256=" + hex_mac(secret, signed))
        if scheme == "trello":
            return hmac.compare_digest(headers["x-trello-webhook"],
                                       b64_mac(secret, body + url, hashlib.sha1))
        if scheme == "xero":
            return hmac.compare_digest(headers["x-xero-signature"], b64_mac(secret, body))
        if scheme == "bitbucket":
            return hmac.compare_digest(headers["x-hub-signature"],
                                       "sha256=" + hex_mac(secret, body))
        if scheme in ("calendly", "mux"):
            header = keyed(headers[f"{scheme}-webhook-signature" if scheme == "calendly"
                                   else "mux-signature"])
            tolerance = 180 if scheme == "calendly" else 300
            return (abs(now - int(header["t"])) <= tolerance and hmac.compare_digest(
                header["v1"], hex_mac(secret, header["t"] + "." + body)))
        raise ValueError(scheme)
    except Exception as error:  # each SDK raises its own error type
        return error


SDK_SCHEMES = {"hubspot", "box"}
DOCUMENTED_SCHEMES = {"meta", "twitch", "trello", "xero", "bitbucket", "calendly", "mux"}


def ours_to_sdks(checks, deliveries):
    print("--- webhook_guard::Signer -> SDKs and documented algorithms")
    seen = set()
    for d in deliveries:
        scheme, body = d["scheme"], d["body"]
        how = "SDK" if scheme in SDK_SCHEMES else "documented algorithm"
        ok = verifies(d, body)
        checks.check(f"{scheme} {how} verifies our signature", ok is True, f"{ok!r}")
        refused = verifies(d, flipped(body))
        checks.check(f"{scheme} {how} refuses it with a flipped bit", refused is not True,
                     f"{refused!r}")
        seen.add(scheme)
    checks.check("our signer covered every scheme", seen == SDK_SCHEMES | DOCUMENTED_SCHEMES,
                 f"{sorted(seen)}")


# --- Deliveries signed by the SDKs (or the documented algorithm), to the receivers -----------

def hubspot(checks, receiver, secret):
    path = "/webhooks/hubspot"
    body = json.dumps([{
        "eventId": secrets.randbelow(10**9), "subscriptionId": 12345, "portalId": 62515,
        "occurredAt": int(time.time() * 1000), "subscriptionType": "contact.creation",
        "attemptNumber": 0, "objectId": secrets.randbelow(10**6), "changeSource": "CRM",
        "changeFlag": "NEW", "appId": 54321}])

    def headers(at_ms, uri=receiver.base + path, data=body):
        timestamp = str(at_ms)
        signature = HubSpotSignature.get_signature(secret, data, "v3", http_uri=uri,
                                                   http_method="POST", timestamp=timestamp)
        return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp,
                "X-HubSpot-Signature-Version": "v3", "Content-Type": "application/json"}

    now = int(time.time() * 1000)
    signed = headers(now)
    checks.check("hubspot: the SDK accepts the request it signed", HubSpotSignature.is_valid(
        signed["X-HubSpot-Signature-v3"], secret, body, receiver.base + path, "POST", "v3",
        signed["X-HubSpot-Request-Timestamp"]))
    rejected(checks, receiver, "hubspot flipped bit", path, flipped(body), signed)
    rejected(checks, receiver, "hubspot signed for another URL", path, body,
             headers(now, receiver.base + path + "?other=1"))
    delivered(checks, receiver, "hubspot", path, body, signed, "hubspot",
              body_id_without(body, "attemptNumber"), "")
    # HubSpot's retry: each event's attemptNumber one higher, signed anew.
    retry = body.replace('"attemptNumber": 0', '"attemptNumber": 1')
    checks.check("hubspot: the retry's body differs", retry != body)
    duplicate(checks, receiver, "hubspot retry (attempt 1)", path, retry,
              headers(now + 1000, data=retry))
    rejected(checks, receiver, "hubspot 301 s old", path, body, headers(now - 301_000),
             expected=400)


def box(checks, receiver, primary, secondary):
    path = "/webhooks/box"
    event_id = str(uuid.uuid4())
    body = json.dumps({
        "type": "webhook_event", "id": event_id,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "trigger": "FILE.UPLOADED", "webhook": {"id": "1234567890", "type": "webhook"},
        "source": {"id": str(secrets.randbelow(10**10)), "type": "file", "name": "Notes.txt"}})

    def headers(at, primary_key=primary):
        h = {"box-delivery-id": str(uuid.uuid4()),
             # As Box writes it: local time with an offset.
             "box-delivery-timestamp": at.astimezone(timezone(timedelta(hours=-7)))
             .isoformat(timespec="seconds"),
             "box-signature-version": "1", "box-signature-algorithm": "HmacSHA256"}
        h["box-signature-primary"] = box_signature(body, h, primary_key)
        h["box-signature-secondary"] = box_signature(body, h, secondary)
        return dict(h, **{"Content-Type": "application/json"})

    now = datetime.now(timezone.utc)
    signed = headers(now)
    lowered = {k.lower(): v for k, v in signed.items()}
    checks.check("box: the SDK accepts the request it signed",
                 BoxWebhooks.validate_message(body, lowered, primary, secondary_key=secondary))
    rejected(checks, receiver, "box flipped bit", path, flipped(body), signed)
    delivered(checks, receiver, "box", path, body, signed, "box", event_id, "FILE.UPLOADED")
    # Box's retry: a new BOX-DELIVERY-ID and time, the body's id kept.
    duplicate(checks, receiver, "box retry", path, body, headers(now + timedelta(seconds=5)))
    rejected(checks, receiver, "box 11 minutes old", path, body,
             headers(now - timedelta(minutes=11)), expected=400)


def box_rotated(checks, receiver, secondary):
    """The primary key was rotated on Box's side and is not yet configured here: the secondary
    signature still verifies."""
    path = "/webhooks/box"
    event_id = str(uuid.uuid4())
    body = json.dumps({"type": "webhook_event", "id": event_id, "trigger": "FOLDER.CREATED",
                       "source": {"id": "11446498", "type": "folder"}})
    h = {"box-delivery-id": str(uuid.uuid4()),
         "box-delivery-timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
         "box-signature-version": "1", "box-signature-algorithm": "HmacSHA256"}
    h["box-signature-primary"] = box_signature(body, h, "a-new-primary-key-not-configured")
    h["box-signature-secondary"] = box_signature(body, h, secondary)
    delivered(checks, receiver, "box rotated primary", path, body, h, "box", event_id,
              "FOLDER.CREATED")


def meta(checks, receiver, secret, token):
    path = "/webhooks/meta"
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "messages": [{"from": "16505551234", "id": "wamid." + secrets.token_hex(16),
                          "timestamp": str(int(time.time())), "type": "text",
                          "text": {"body": "Zoë"}}]}}]}]}, ensure_ascii=False)
    headers = {"X-Hub-Signature-256": "sha256=" + hex_mac(secret, body),
               "Content-Type": "application/json"}
    rejected(checks, receiver, "meta flipped bit", path, flipped(body), headers)
    delivered(checks, receiver, "meta", path, body, headers, "meta", body_id(body),
              "whatsapp_business_account")
    challenge = str(secrets.randbelow(10**9) + 10**9)

    def query(verify_token):
        return path + "?" + urllib.parse.urlencode({
            "hub.mode": "subscribe", "hub.challenge": challenge,
            "hub.verify_token": verify_token})

    answered(checks, receiver, "meta verification", "GET", query(token), "", {}, 200, challenge)
    status, text = send(receiver, "GET", query(token + "x"))
    lines = receiver.new_lines(0.5)
    checks.check("meta verification, wrong token: 401, no echo, no handler",
                 status == 401 and challenge not in text and lines == [],
                 f"got {status} {text!r} {lines}")


def twitch(checks, receiver, secret):
    path = "/webhooks/twitch"
    subscription = {"id": str(uuid.uuid4()), "type": "channel.follow", "version": "2",
                    "status": "enabled", "cost": 0,
                    "condition": {"broadcaster_user_id": "1337", "moderator_user_id": "1337"},
                    "transport": {"method": "webhook", "callback": receiver.base + path},
                    "created_at": rfc3339(datetime.now(timezone.utc), nanos=True)}

    def headers(kind, message_id, at, data):
        timestamp = rfc3339(at, nanos=True)
        return {"Twitch-Eventsub-Message-Id": message_id,
                "Twitch-Eventsub-Message-Timestamp": timestamp,
                "Twitch-Eventsub-Message-Signature":
                    "sha256=" + hex_mac(secret, message_id + timestamp + data),
                "Twitch-Eventsub-Message-Type": kind,
                "Twitch-Eventsub-Message-Retry": "0",
                "Twitch-Eventsub-Subscription-Type": "channel.follow",
                "Twitch-Eventsub-Subscription-Version": "2",
                "Content-Type": "application/json"}

    now = datetime.now(timezone.utc)
    challenge = "pogchamp-kappa-" + secrets.token_hex(8)
    verification = json.dumps({"challenge": challenge,
                               "subscription": dict(subscription, status="webhook_callback_"
                                                    "verification_pending")})
    answered(checks, receiver, "twitch webhook_callback_verification", "POST", path,
             verification, headers("webhook_callback_verification", str(uuid.uuid4()), now,
                                   verification), 200, challenge)
    body = json.dumps({"subscription": subscription, "event": {
        "user_id": "1234", "user_login": "cool_user", "user_name": "Zoë",
        "broadcaster_user_id": "1337", "followed_at": rfc3339(now, nanos=True)}},
        ensure_ascii=False)
    message_id = str(uuid.uuid4())
    signed = headers("notification", message_id, now, body)
    rejected(checks, receiver, "twitch flipped bit", path, flipped(body), signed)
    delivered(checks, receiver, "twitch", path, body, signed, "twitch", message_id,
              "notification")
    resent = headers("notification", message_id, now + timedelta(seconds=30), body)
    duplicate(checks, receiver, "twitch resent (same message id, signed anew)", path, body,
              resent)
    rejected(checks, receiver, "twitch 11 minutes old", path, body,
             headers("notification", str(uuid.uuid4()), now - timedelta(minutes=11), body),
             expected=400)
    revocation = json.dumps({"subscription": dict(subscription, status="authorization_revoked")})
    revocation_id = str(uuid.uuid4())
    delivered(checks, receiver, "twitch revocation", path, revocation,
              headers("revocation", revocation_id, now, revocation), "twitch", revocation_id,
              "revocation")


def trello(checks, receiver, secret):
    path = "/webhooks/trello"
    body = json.dumps({"action": {
        "id": secrets.token_hex(12), "idMemberCreator": "4fc78a59a885233f4b349bd9",
        "type": "updateCard", "date": rfc3339(datetime.now(timezone.utc)),
        "data": {"card": {"id": "51a79e72dbb7e23c7c003778", "name": "Café"}}},
        "model": {"id": "4d5ea62fd76aa1136000000c", "name": "Trello Development"}},
        ensure_ascii=False)
    headers = {"X-Trello-Webhook": b64_mac(secret, body + receiver.base + path, hashlib.sha1),
               "Content-Type": "application/json"}
    answered(checks, receiver, "trello HEAD check", "HEAD", path, "", {}, 200, "")
    rejected(checks, receiver, "trello flipped bit", path, flipped(body), headers)
    other = {"X-Trello-Webhook": b64_mac(secret, body + receiver.base + "/other",
                                         hashlib.sha1)}
    rejected(checks, receiver, "trello signed for another callback URL", path, body, other)
    delivered(checks, receiver, "trello", path, body, headers, "trello", body_id(body), "")


def xero(checks, receiver, key):
    path = "/webhooks/xero"
    body = json.dumps({"events": [{
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/" + str(uuid.uuid4()),
        "resourceId": str(uuid.uuid4()), "eventDateUtc": "2026-12-06T22:00:00.902",
        "eventType": "UPDATE", "eventCategory": "CONTACT", "tenantId": str(uuid.uuid4()),
        "tenantType": "ORGANISATION"}], "lastEventSequence": 1, "firstEventSequence": 1,
        "entropy": secrets.token_urlsafe(15)})
    headers = {"x-xero-signature": b64_mac(key, body), "Content-Type": "application/json"}
    intent = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0,
                         "entropy": secrets.token_urlsafe(15)})
    answered(checks, receiver, "xero intent to receive (signed)", "POST", path, intent,
             {"x-xero-signature": b64_mac(key, intent)}, 200, "")
    rejected(checks, receiver, "xero intent to receive (badly signed)", path, intent,
             {"x-xero-signature": b64_mac(key + "x", intent)})
    rejected(checks, receiver, "xero flipped bit", path, flipped(body), headers)
    delivered(checks, receiver, "xero", path, body, headers, "xero", body_id(body), "")


def bitbucket(checks, receiver, secret):
    path = "/webhooks/bitbucket"
    body = json.dumps({"push": {"changes": [{"new": {"type": "branch", "name": "main",
                                                     "target": {"hash": secrets.token_hex(20)}}}]},
                       "repository": {"full_name": "team/repo"}})
    request_uuid = str(uuid.uuid4())
    headers = {"X-Hub-Signature": "sha256=" + hex_mac(secret, body),
               "X-Request-UUID": request_uuid, "X-Event-Key": "repo:push",
               "X-Attempt-Number": "1", "Content-Type": "application/json"}
    rejected(checks, receiver, "bitbucket flipped bit", path, flipped(body), headers)
    github_style = dict(headers)
    github_style["X-Hub-Signature"] = "sha1=" + hex_mac(secret, body, hashlib.sha1)
    rejected(checks, receiver, "bitbucket SHA-1 instead of SHA-256", path, body, github_style)
    delivered(checks, receiver, "bitbucket", path, body, headers, "bitbucket", request_uuid,
              "repo:push")
    renamed = dict(headers, **{"X-Request-UUID": str(uuid.uuid4()), "X-Attempt-Number": "2"})
    duplicate(checks, receiver, "bitbucket same body, another X-Request-UUID", path, body,
              renamed)


def t_v1(checks, receiver, name, header, secret, body, event_id, event_type, tolerance):
    path = f"/webhooks/{name}"

    def headers(t):
        return {header: f"t={t},v1={hex_mac(secret, f'{t}.{body}')}",
                "Content-Type": "application/json"}

    now = int(time.time())
    rejected(checks, receiver, f"{name} flipped bit", path, flipped(body), headers(now))
    delivered(checks, receiver, name, path, body, headers(now), name, event_id, event_type)
    duplicate(checks, receiver, f"{name} retry re-signed", path, body, headers(now + 1))
    rejected(checks, receiver, f"{name} {tolerance + 1} s old", path, body,
             headers(now - tolerance - 1), expected=400)


def calendly(checks, receiver, key):
    body = json.dumps({
        "created_at": rfc3339(datetime.now(timezone.utc)), "event": "invitee.created",
        "created_by": "https://api.calendly.com/users/AAAAAAAAAAAAAAAA",
        "payload": {"uri": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/"
                           "invitees/" + secrets.token_hex(8), "name": "Zoë", "status": "active"}},
        ensure_ascii=False)
    t_v1(checks, receiver, "calendly", "Calendly-Webhook-Signature", key, body, body_id(body),
         "invitee.created", 180)


def mux(checks, receiver, secret):
    event_id = str(uuid.uuid4())
    body = json.dumps({"type": "video.asset.ready", "id": event_id,
                       "object": {"type": "asset", "id": secrets.token_hex(12)},
                       "data": {"status": "ready", "duration": 23.8},
                       "created_at": rfc3339(datetime.now(timezone.utc))})
    t_v1(checks, receiver, "mux", "Mux-Signature", secret, body, event_id, "video.asset.ready",
         300)


def receiver_env():
    return {
        "HUBSPOT_WEBHOOK_SECRET": str(uuid.uuid4()),
        "BOX_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "BOX_WEBHOOK_SECRET_SECONDARY": secrets.token_urlsafe(24),
        "META_WEBHOOK_SECRET": secrets.token_hex(16),
        "META_VERIFY_TOKEN": "verify me & " + secrets.token_urlsafe(8),
        "TWITCH_WEBHOOK_SECRET": secrets.token_urlsafe(30),
        "TRELLO_WEBHOOK_SECRET": secrets.token_hex(32),
        "XERO_WEBHOOK_SECRET": base64.b64encode(secrets.token_bytes(48)).decode(),
        "BITBUCKET_WEBHOOK_SECRET": secrets.token_urlsafe(20),
        "CALENDLY_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "MUX_WEBHOOK_SECRET": secrets.token_hex(16),
    }


def sdks_to_receiver(checks, binary):
    env = receiver_env()
    receiver = Receiver(binary, env)
    print(f"--- SDKs -> {os.path.basename(binary)} ({receiver.base})")
    try:
        hubspot(checks, receiver, env["HUBSPOT_WEBHOOK_SECRET"])
        box(checks, receiver, env["BOX_WEBHOOK_SECRET"], env["BOX_WEBHOOK_SECRET_SECONDARY"])
        box_rotated(checks, receiver, env["BOX_WEBHOOK_SECRET_SECONDARY"])
        meta(checks, receiver, env["META_WEBHOOK_SECRET"], env["META_VERIFY_TOKEN"])
        twitch(checks, receiver, env["TWITCH_WEBHOOK_SECRET"])
        trello(checks, receiver, env["TRELLO_WEBHOOK_SECRET"])
        xero(checks, receiver, env["XERO_WEBHOOK_SECRET"])
        bitbucket(checks, receiver, env["BITBUCKET_WEBHOOK_SECRET"])
        calendly(checks, receiver, env["CALENDLY_WEBHOOK_SECRET"])
        mux(checks, receiver, env["MUX_WEBHOOK_SECRET"])
    finally:
        receiver.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signed", required=True, help="deliveries signed by webhook_guard")
    parser.add_argument("receivers", nargs="+", help="example receiver binaries")
    args = parser.parse_args()
    from importlib.metadata import version

    print("SDKs: " + ", ".join(f"{p} {version(p)}" for p in ("hubspot-api-client", "boxsdk")))
    checks = Checks()
    ours_to_sdks(checks, json.load(open(args.signed, encoding="utf-8")))
    for binary in args.receivers:
        sdks_to_receiver(checks, binary)
    print(f"sdk checks: {checks.passed} ok, {len(checks.failed)} failing")
    for name in checks.failed:
        print(f"  failing: {name}")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
