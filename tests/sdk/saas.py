#!/usr/bin/env python3
"""Cross-SDK checks for the body-signing SaaS providers and the Standard Webhooks senders of
issue 28: Intercom, Typeform, Sentry, Vercel, Coinbase Commerce, Razorpay, Clerk, Resend,
OpenAI and Replicate.

    python3 tests/sdk/saas.py --signed SIGNED.json RECEIVER [RECEIVER...]

Run by `tests/sdk_saas.rs` (`cargo test --test sdk_saas`), which builds the example receivers
and writes SIGNED.json with deliveries signed by `webhook_guard::Signer`.

1. webhook-guard -> SDK: every delivery in SIGNED.json verifies with the provider's own
   verification code where it publishes one on PyPI (`svix` for Clerk and Resend, `openai`'s
   `webhooks.verify_signature`, `replicate`'s `Webhooks.validate`, `razorpay`'s
   `verify_webhook_signature`, `coinbase-commerce`'s `WebhookSignature.verify_sig_header`), and
   with the documented algorithm written here with Python's `hmac` for the providers that
   publish none (Intercom, Typeform, Sentry, Vercel); a tampered copy does not verify.
2. SDK -> receiver: each RECEIVER is started on a free port with fresh secrets; deliveries
   signed by the SDKs (`svix`'s `Webhook.sign` for the Standard Webhooks senders,
   `coinbase-commerce`'s own signature computation) or by the documented algorithm are POSTed
   over real HTTP: a flipped bit is 401, the delivery is handled once (200, one stdout line),
   the same request again and the provider's retry (the same id, signed anew) are answered
   "already processed" without a line, an unsigned id rewritten does not make a copy new, a
   stale timestamp is 400, and Intercom's ping is answered `{}` by the layer, no handler run.

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
import uuid
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
MISSING = 2

try:
    import openai
    import razorpay
    import replicate.webhook as replicate_webhook
    import svix.webhooks as svix_webhooks
    from coinbase_commerce.webhook import WebhookSignature as CoinbaseSignature

    from run import Checks, Receiver, delivered, duplicate, rejected
except ImportError as error:
    print(
        f"tests/sdk/saas.py: the Python package {error.name!r} is missing: run "
        "scripts/test.sh, which installs the providers' SDKs (tests/sdk/requirements.txt)",
        file=sys.stderr,
    )
    sys.exit(MISSING)


def flipped(body):
    """The body with one bit of its first letter flipped."""
    i = next(i for i, c in enumerate(body) if c.isalpha())
    return body[:i] + chr(ord(body[i]) ^ 1) + body[i + 1:]


def hmac_hex(secret, body, digest=hashlib.sha256):
    return hmac.new(secret.encode(), body.encode(), digest).hexdigest()


def hmac_b64(secret, body, digest=hashlib.sha256):
    return base64.b64encode(hmac.new(secret.encode(), body.encode(), digest).digest()).decode()


def whsec():
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# --- The providers' verification, for our signer's output -----------------------------------

def documented(scheme, secret, body, headers):
    """The algorithm each provider documents, for those with no verification SDK."""
    if scheme == "intercom":
        return hmac.compare_digest(headers["x-hub-signature"],
                                   "sha1=" + hmac_hex(secret, body, hashlib.sha1))
    if scheme == "typeform":
        return hmac.compare_digest(headers["typeform-signature"],
                                   "sha256=" + hmac_b64(secret, body))
    if scheme == "sentry":
        return hmac.compare_digest(headers["sentry-hook-signature"], hmac_hex(secret, body))
    if scheme == "vercel":
        return hmac.compare_digest(headers["x-vercel-signature"],
                                   hmac_hex(secret, body, hashlib.sha1))
    raise ValueError(scheme)


def sdk_verifies(scheme, secret, body, headers):
    """True when the provider's SDK accepts the delivery, its refusal otherwise."""
    try:
        if scheme in ("clerk", "resend"):
            svix_webhooks.Webhook(secret).verify(body, headers)
        elif scheme == "openai":
            client = openai.OpenAI(api_key="sk-unused", webhook_secret=secret)
            client.webhooks.verify_signature(body, headers, secret=secret, tolerance=300)
        elif scheme == "replicate":
            replicate_webhook.Webhooks.validate(
                headers=headers, body=body,
                secret=replicate_webhook.WebhookSigningSecret(key=secret), tolerance=300)
        elif scheme == "razorpay":
            client = razorpay.Client(auth=("rzp_test_unused", "unused"))
            client.utility.verify_webhook_signature(body, headers["x-razorpay-signature"], secret)
        elif scheme == "coinbase":
            CoinbaseSignature.verify_sig_header(body, headers["x-cc-webhook-signature"], secret)
        else:
            return documented(scheme, secret, body, headers)
        return True
    except Exception as error:  # each SDK raises its own error type
        return error


SDK_SCHEMES = {"clerk", "resend", "openai", "replicate", "razorpay", "coinbase"}
DOCUMENTED_SCHEMES = {"intercom", "typeform", "sentry", "vercel"}


def ours_to_sdks(checks, deliveries):
    print("--- webhook_guard::Signer -> SDKs and documented algorithms")
    seen = set()
    for d in deliveries:
        scheme, secret, body = d["scheme"], d["secret"], d["body"]
        headers = dict(d["headers"])
        how = "SDK" if scheme in SDK_SCHEMES else "documented algorithm"
        ok = sdk_verifies(scheme, secret, body, headers)
        checks.check(f"{scheme} {how} verifies our signature", ok is True, f"{ok!r}")
        refused = sdk_verifies(scheme, secret, flipped(body), headers)
        checks.check(f"{scheme} {how} refuses it with a flipped bit", refused is not True)
        seen.add(scheme)
    checks.check("our signer covered every scheme", seen == SDK_SCHEMES | DOCUMENTED_SCHEMES,
                 f"{sorted(seen)}")


# --- Deliveries signed by the SDKs (or the documented algorithm), to the receivers -----------

def svix_family(checks, receiver, name, secret, prefix, body_of, event_type, sdk):
    """A Standard Webhooks sender: signed by the SDK with `prefix`-named headers."""
    wh = svix_webhooks.Webhook(secret)
    msg_id = "msg_" + uuid.uuid4().hex
    body = body_of()
    now = datetime.now(timezone.utc)

    def headers(at, id=msg_id, data=body):
        return {
            f"{prefix}-id": id,
            f"{prefix}-timestamp": str(int(at.timestamp())),
            f"{prefix}-signature": wh.sign(id, at, data),
            "content-type": "application/json",
        }

    path = f"/webhooks/{name}"
    rejected(checks, receiver, f"{name} flipped bit", path, flipped(body), headers(now))
    renamed = dict(headers(now), **{f"{prefix}-id": "msg_renamed"})
    rejected(checks, receiver, f"{name} rewritten (signed) id", path, body, renamed)
    if prefix == "svix":
        # The same signature under the specification's names is not this sender's request.
        standard = {k.replace("svix-", "webhook-"): v for k, v in headers(now).items()}
        rejected(checks, receiver, f"{name} webhook-* names", path, body, standard)
    # The receiver's own check, by the provider's SDK, before it is sent.
    checks.check(f"{name}: {sdk} accepts the request it signed",
                 sdk_verifies(name, secret, body, headers(now)) is True)
    delivered(checks, receiver, name, path, body, headers(now), name, msg_id, event_type)
    retry = datetime.fromtimestamp(int(now.timestamp()) + 1, tz=timezone.utc)
    duplicate(checks, receiver, f"{name} retry re-signed", path, body, headers(retry))
    rotated = headers(now, "msg_" + uuid.uuid4().hex)
    other = svix_webhooks.Webhook(whsec())
    rotated_id = rotated[f"{prefix}-id"]
    rotated[f"{prefix}-signature"] = (
        f"{other.sign(rotated_id, now, body)} {rotated[f'{prefix}-signature']}")
    delivered(checks, receiver, f"{name} rotated signatures", path, body, rotated, name,
              rotated_id, event_type)
    stale = datetime.fromtimestamp(int(now.timestamp()) - 301, tz=timezone.utc)
    rejected(checks, receiver, f"{name} 301 s old", path, body,
             headers(stale, "msg_" + uuid.uuid4().hex), expected=400)


def intercom(checks, receiver, secret):
    notif = "notif_" + str(uuid.uuid4())

    def body(attempt, id=notif, topic="conversation.user.created"):
        return json.dumps({
            "type": "notification_event", "app_id": "ecahpwf5",
            "data": {"type": "notification_event_data",
                     "item": {"type": "conversation", "id": str(secrets.randbelow(10**6))}},
            "links": {}, "id": id, "topic": topic, "delivery_status": "pending",
            "delivery_attempts": attempt, "delivered_at": 0,
            "first_sent_at": int(time.time()), "created_at": int(time.time()), "self": None,
        })

    def headers(data):
        return {"X-Hub-Signature": "sha1=" + hmac_hex(secret, data, hashlib.sha1),
                "Content-Type": "application/json"}

    path = "/webhooks/intercom"
    first = body(1)
    rejected(checks, receiver, "intercom flipped bit", path, flipped(first), headers(first))
    delivered(checks, receiver, "intercom", path, first, headers(first), "intercom", notif,
              "conversation.user.created")
    # Intercom's retry: the same notification, `delivery_attempts` grown, signed anew.
    second = first.replace('"delivery_attempts": 1', '"delivery_attempts": 2')
    duplicate(checks, receiver, "intercom retry (attempt 2)", path, second, headers(second))
    # The ping sent when a webhook is saved: `id` null, answered `{}` by the layer.
    ping = body(1, None, "ping")
    for attempt in ("", " again"):
        status, text = receiver.post(path, ping, headers(ping))
        checks.check(f"intercom ping{attempt}: answered {{}}", (status, text) == (200, "{}"),
                     f"got {status} {text!r}")
    lines = receiver.new_lines(1.0)
    checks.check("intercom ping: no handler ran", lines == [], f"got {lines}")


def typeform(checks, receiver, secret):
    event_id = "01" + secrets.token_hex(12).upper()
    body = json.dumps({
        "event_id": event_id, "event_type": "form_response",
        "form_response": {"form_id": "lT4Z3j", "token": secrets.token_hex(16),
                          "submitted_at": "2026-12-06T22:00:00Z",
                          "answers": [{"type": "text", "text": "café",
                                       "field": {"id": "JwWggjAKtOkA", "type": "short_text"}}]},
    }, ensure_ascii=False)
    headers = {"Typeform-Signature": "sha256=" + hmac_b64(secret, body),
               "Content-Type": "application/json"}
    path = "/webhooks/typeform"
    rejected(checks, receiver, "typeform flipped bit", path, flipped(body), headers)
    hexed = {"Typeform-Signature": "sha256=" + hmac_hex(secret, body)}
    rejected(checks, receiver, "typeform hex instead of base64", path, body, hexed)
    delivered(checks, receiver, "typeform", path, body, headers, "typeform", event_id,
              "form_response")


def sentry(checks, receiver, secret):
    body = json.dumps({
        "action": "created", "installation": {"uuid": str(uuid.uuid4())},
        "data": {"issue": {"id": str(secrets.randbelow(10**10)), "title": "Error: café"}},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }, ensure_ascii=False)
    request_id = str(uuid.uuid4())
    headers = {"Sentry-Hook-Signature": hmac_hex(secret, body), "Request-ID": request_id,
               "Sentry-Hook-Resource": "issue", "Sentry-Hook-Timestamp": str(int(time.time())),
               "Content-Type": "application/json"}
    path = "/webhooks/sentry"
    rejected(checks, receiver, "sentry flipped bit", path, flipped(body), headers)
    delivered(checks, receiver, "sentry", path, body, headers, "sentry", request_id, "issue")
    # The id is not signed: the same signed body under a new Request-ID is still a copy.
    renamed = dict(headers, **{"Request-ID": str(uuid.uuid4())})
    duplicate(checks, receiver, "sentry same body, rewritten Request-ID", path, body, renamed)


def vercel(checks, receiver, secret):
    event_id = secrets.token_urlsafe(12)
    body = json.dumps({
        "id": event_id, "type": "deployment.succeeded", "createdAt": int(time.time() * 1000),
        "region": "cdg1", "payload": {"deployment": {"id": "dpl_" + secrets.token_hex(10),
                                                     "url": "my-app.vercel.app"}},
    })
    headers = {"x-vercel-signature": hmac_hex(secret, body, hashlib.sha1),
               "Content-Type": "application/json"}
    path = "/webhooks/vercel"
    rejected(checks, receiver, "vercel flipped bit", path, flipped(body), headers)
    sha256 = {"x-vercel-signature": hmac_hex(secret, body)}
    rejected(checks, receiver, "vercel SHA-256 instead of SHA-1", path, body, sha256)
    delivered(checks, receiver, "vercel", path, body, headers, "vercel", event_id,
              "deployment.succeeded")


def coinbase(checks, receiver, secret):
    webhook_id = str(uuid.uuid4())

    def body(attempt):
        return json.dumps({
            "attempt_number": attempt,
            "event": {"api_version": "2018-03-22", "created_at": "2026-12-06T22:00:00Z",
                      "data": {"id": webhook_id, "code": "XA6G6ZFR"},
                      "id": str(uuid.uuid4()), "resource": "event", "type": "charge:confirmed"},
            "id": webhook_id, "scheduled_for": "2026-12-06T22:00:00Z",
        })

    def headers(data):
        # coinbase-commerce's own computation (the one its verify_sig_header compares with).
        return {"X-CC-Webhook-Signature": CoinbaseSignature._compute_signature(data, secret),
                "Content-Type": "application/json"}

    path = "/webhooks/coinbase"
    first = body(1)
    rejected(checks, receiver, "coinbase flipped bit", path, flipped(first), headers(first))
    delivered(checks, receiver, "coinbase", path, first, headers(first), "coinbase", webhook_id,
              "")
    second = body(2)
    duplicate(checks, receiver, "coinbase retry (attempt 2)", path, second, headers(second))


def razorpay_to_receiver(checks, receiver, secret):
    body = json.dumps({
        "entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": "payment.captured",
        "contains": ["payment"],
        "payload": {"payment": {"entity": {"id": "pay_" + secrets.token_hex(7), "amount": 100,
                                           "currency": "INR", "status": "captured"}}},
        "created_at": int(time.time()),
    })
    event_id = secrets.token_hex(7)
    headers = {"X-Razorpay-Signature": hmac_hex(secret, body), "x-razorpay-event-id": event_id,
               "Content-Type": "application/json"}
    checks.check("razorpay: the SDK accepts the request",
                 sdk_verifies("razorpay", secret, body,
                              {"x-razorpay-signature": headers["X-Razorpay-Signature"]}) is True)
    path = "/webhooks/razorpay"
    rejected(checks, receiver, "razorpay flipped bit", path, flipped(body), headers)
    delivered(checks, receiver, "razorpay", path, body, headers, "razorpay", event_id,
              "payment.captured")
    renamed = dict(headers, **{"x-razorpay-event-id": secrets.token_hex(7)})
    duplicate(checks, receiver, "razorpay same body, rewritten event id", path, body, renamed)


def receiver_env():
    return {
        "INTERCOM_WEBHOOK_SECRET": secrets.token_hex(20),
        "TYPEFORM_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "SENTRY_WEBHOOK_SECRET": secrets.token_hex(32),
        "VERCEL_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "COINBASE_WEBHOOK_SECRET": str(uuid.uuid4()),
        "RAZORPAY_WEBHOOK_SECRET": secrets.token_urlsafe(18),
        "CLERK_WEBHOOK_SECRET": whsec(),
        "RESEND_WEBHOOK_SECRET": whsec(),
        "OPENAI_WEBHOOK_SECRET": whsec(),
        "REPLICATE_WEBHOOK_SECRET": whsec(),
    }


def sdks_to_receiver(checks, binary):
    env = receiver_env()
    receiver = Receiver(binary, env)
    print(f"--- SDKs -> {os.path.basename(binary)} ({receiver.base})")
    try:
        intercom(checks, receiver, env["INTERCOM_WEBHOOK_SECRET"])
        typeform(checks, receiver, env["TYPEFORM_WEBHOOK_SECRET"])
        sentry(checks, receiver, env["SENTRY_WEBHOOK_SECRET"])
        vercel(checks, receiver, env["VERCEL_WEBHOOK_SECRET"])
        coinbase(checks, receiver, env["COINBASE_WEBHOOK_SECRET"])
        razorpay_to_receiver(checks, receiver, env["RAZORPAY_WEBHOOK_SECRET"])
        clerk = lambda: json.dumps({  # noqa: E731
            "data": {"id": "user_" + secrets.token_hex(12), "object": "user",
                     "first_name": "Zoë"},
            "instance_id": "ins_123", "object": "event",
            "timestamp": int(time.time() * 1000), "type": "user.created"}, ensure_ascii=False)
        resend = lambda: json.dumps({  # noqa: E731
            "type": "email.delivered", "created_at": datetime.now(timezone.utc).isoformat(),
            "data": {"email_id": str(uuid.uuid4()), "from": "Acme <onboarding@resend.dev>",
                     "to": ["delivered@resend.dev"], "subject": "Bonjour"}})
        openai_body = lambda: json.dumps({  # noqa: E731
            "object": "event", "id": "evt_" + secrets.token_hex(16), "type": "batch.completed",
            "created_at": int(time.time()), "data": {"id": "batch_" + secrets.token_hex(8)}})
        replicate_body = lambda: json.dumps({  # noqa: E731
            "id": secrets.token_hex(13), "version": secrets.token_hex(32), "status": "succeeded",
            "created_at": datetime.now(timezone.utc).isoformat(),
            "output": ["https://replicate.delivery/example.png"]})
        svix_family(checks, receiver, "clerk", env["CLERK_WEBHOOK_SECRET"], "svix", clerk,
                    "user.created", "svix")
        svix_family(checks, receiver, "resend", env["RESEND_WEBHOOK_SECRET"], "svix", resend,
                    "email.delivered", "svix")
        svix_family(checks, receiver, "openai", env["OPENAI_WEBHOOK_SECRET"], "webhook",
                    openai_body, "batch.completed", "openai")
        svix_family(checks, receiver, "replicate", env["REPLICATE_WEBHOOK_SECRET"], "webhook",
                    replicate_body, "succeeded", "replicate")
    finally:
        receiver.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signed", required=True, help="deliveries signed by webhook_guard")
    parser.add_argument("receivers", nargs="+", help="example receiver binaries")
    args = parser.parse_args()
    from importlib.metadata import version

    print("SDKs: " + ", ".join(
        f"{p} {version(p)}" for p in ("svix", "openai", "replicate", "razorpay",
                                      "coinbase-commerce")))
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
