#!/usr/bin/env python3
"""Cross-SDK tests: the providers' own libraries against webhook-guard, both ways.

    python3 tests/sdk/run.py --signed SIGNED.json RECEIVER [RECEIVER...]

Run by `tests/sdk.rs` (`cargo test --test sdk`), which builds the example receivers and writes
SIGNED.json with deliveries signed by `webhook_guard::Signer`.

1. SDK -> receiver: each RECEIVER (an example receiver binary: axum's, actix-web's) is started
   on a free port with fresh secrets. Payloads signed by `standardwebhooks` (PyPI), `stripe`
   (PyPI, `WebhookSignature.generate_signature_header`), `slack-sdk` (PyPI,
   `SignatureVerifier.generate_signature`) and `@octokit/webhooks-methods` (npm, `sign`) are
   POSTed over real HTTP: accepted (200 and one stdout line `{"provider","id","type"}`),
   tampered (401), sent again (200 `already processed`, no second line).
2. webhook-guard -> SDK: every delivery in SIGNED.json verifies with the SDK's own verify
   function, and a tampered copy does not.

Exit status: 0 when every check passes, 1 when one fails, 2 when python3 packages, node or
the npm package are missing (run `scripts/test.sh`, which installs them).
"""

import argparse
import base64
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
OCTOKIT = os.path.join(HERE, "node_modules", "@octokit", "webhooks-methods", "package.json")
MISSING = 2


def missing(what):
    print(
        f"tests/sdk/run.py: {what} is missing: run scripts/test.sh, which installs the "
        "providers' SDKs (tests/sdk/requirements.txt, tests/sdk/package.json)",
        file=sys.stderr,
    )
    sys.exit(MISSING)


try:
    import slack_sdk.version
    import stripe
    from slack_sdk.signature import SignatureVerifier
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    import providers
except ImportError as error:
    missing(f"the Python package {error.name!r}")


class Octokit:
    """GitHub's own library, through node (tests/sdk/octokit.mjs), one process per batch."""

    def __init__(self):
        try:
            subprocess.run(["node", "--version"], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            missing("node")
        if not os.path.exists(OCTOKIT):
            missing("the npm package @octokit/webhooks-methods (tests/sdk/node_modules)")
        self.version = json.load(open(OCTOKIT))["version"]

    def run(self, requests):
        done = subprocess.run(
            ["node", os.path.join(HERE, "octokit.mjs")],
            input=json.dumps(requests),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)["answers"]

    def sign(self, secret, payload):
        return self.run([{"op": "sign", "secret": secret, "payload": payload}])[0]


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed.append(name)
            print(f"FAIL {name} {detail}")


class Receiver:
    """An example receiver binary on a free port; its stdout lines are collected."""

    def __init__(self, binary, env):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        # The store is the one `env` names: none inherited from the calling shell.
        full_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "INBOX_URL")}
        full_env.update(env, PORT=str(port), RUST_LOG="warn")
        self.process = subprocess.Popen(
            [binary],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        self.stderr = []
        ready = threading.Event()

        def read_stdout():
            for line in self.process.stdout:
                self.lines.put(line.rstrip("\n"))

        def read_stderr():
            for line in self.process.stderr:
                self.stderr.append(line)
                if "listening on" in line:
                    ready.set()

        threading.Thread(target=read_stdout, daemon=True).start()
        threading.Thread(target=read_stderr, daemon=True).start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError(f"{binary} did not start: {''.join(self.stderr)}")

    def post(self, path, body, headers):
        """(status, body text)."""
        status, text, _ = self.send("POST", path, body, headers)
        return status, text

    def send(self, method, path, body, headers):
        """(status, body text, response headers); `body` None sends none."""
        request = urllib.request.Request(
            self.base + path,
            data=body.encode() if body is not None else None,
            headers=headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers

    def new_lines(self, wait):
        """The stdout lines printed since the last call. The handler prints before it answers,
        so the line is on its way when the response arrives: `wait` only covers the pipe."""
        lines = []
        deadline = time.monotonic() + wait
        while True:
            try:
                lines.append(self.lines.get(timeout=max(0.0, deadline - time.monotonic())))
                deadline = time.monotonic() + 0.05
            except queue.Empty:
                return lines

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def delivered(checks, receiver, name, path, body, headers, provider, id, type, reply="OK"):
    """The first delivery is handled once; the same request again is a duplicate."""
    status, text = receiver.post(path, body, headers)
    lines = receiver.new_lines(2.0)
    checks.check(f"{name}: accepted", (status, text) == (200, reply), f"got {status} {text!r}")
    expected = json.dumps({"provider": provider, "id": id, "type": type}, separators=(",", ":"))
    checks.check(f"{name}: one stdout line", lines == [expected], f"got {lines}, expected {expected}")
    duplicate(checks, receiver, f"{name}: sent again", path, body, headers)


def duplicate(checks, receiver, name, path, body, headers):
    status, text = receiver.post(path, body, headers)
    lines = receiver.new_lines(0.3)
    checks.check(
        f"{name}: 200 already processed, no line",
        (status, text, lines) == (200, "already processed", []),
        f"got {status} {text!r} {lines}",
    )


def rejected(checks, receiver, name, path, body, headers, expected=401):
    status, text = receiver.post(path, body, headers)
    lines = receiver.new_lines(0.3)
    checks.check(
        f"{name}: {expected}, no line",
        status == expected and lines == [],
        f"got {status} {text!r} {lines}",
    )


def tampered(body):
    return body.replace("a", "b", 1) if "a" in body else body + " "


def standard_webhooks_to_receiver(checks, receiver, secret):
    wh = Webhook(secret)
    msg_id = "msg_" + uuid.uuid4().hex
    body = json.dumps(
        {"type": "invoice.paid", "timestamp": datetime.now(timezone.utc).isoformat(),
         "data": {"invoice": "inv_1", "customer": "Zoë"}},
        ensure_ascii=False,
    )
    now = datetime.now(timezone.utc)

    def headers(at, id=msg_id, data=body):
        return {
            "webhook-id": id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": wh.sign(id, at, data),
            "content-type": "application/json",
        }

    path = "/webhooks/standard"
    rejected(checks, receiver, "standard-webhooks tampered body", path, tampered(body), headers(now))
    renamed = dict(headers(now), **{"webhook-id": "msg_renamed"})
    rejected(checks, receiver, "standard-webhooks rewritten id", path, body, renamed)
    delivered(checks, receiver, "standard-webhooks", path, body, headers(now),
              "standard-webhooks", msg_id, "invoice.paid")
    # The sender's retry: the same id, signed anew a little later.
    retry = datetime.fromtimestamp(int(now.timestamp()) + 1, tz=timezone.utc)
    duplicate(checks, receiver, "standard-webhooks retry re-signed", path, body, headers(retry))
    # A rotation: the signature list carries an entry from another secret first.
    other = Webhook("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode())
    msg2 = "msg_" + uuid.uuid4().hex
    rotated = headers(now, msg2)
    rotated["webhook-signature"] = f"{other.sign(msg2, now, body)} {rotated['webhook-signature']}"
    delivered(checks, receiver, "standard-webhooks rotated signatures", path, body, rotated,
              "standard-webhooks", msg2, "invoice.paid")
    stale = datetime.fromtimestamp(int(now.timestamp()) - 301, tz=timezone.utc)
    rejected(checks, receiver, "standard-webhooks 301 s old", path, body,
             headers(stale, "msg_" + uuid.uuid4().hex), expected=400)


def github_to_receiver(checks, receiver, octokit, secret):
    body = json.dumps(
        {"ref": "refs/heads/main", "after": secrets.token_hex(20),
         "repository": {"full_name": "octo/café"}, "pusher": {"name": "octocat"}},
        ensure_ascii=False,
    )
    delivery = str(uuid.uuid4())
    headers = {
        "X-Hub-Signature-256": octokit.sign(secret, body),
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Event": "push",
        "Content-Type": "application/json",
    }
    path = "/webhooks/github"
    rejected(checks, receiver, "github tampered body", path, tampered(body), headers)
    delivered(checks, receiver, "github", path, body, headers, "github", delivery, "push")
    # The id is not signed: the same signed body under a new id is still a duplicate.
    renamed = dict(headers, **{"X-GitHub-Delivery": str(uuid.uuid4())})
    duplicate(checks, receiver, "github same body, rewritten delivery id", path, body, renamed)


def stripe_to_receiver(checks, receiver, secret):
    event_id = "evt_" + secrets.token_hex(12)
    body = json.dumps(
        {"id": event_id, "object": "event", "api_version": "2024-06-20",
         "type": "payment_intent.succeeded",
         "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 2000}}},
        indent=2,
    )
    header = stripe.WebhookSignature.generate_signature_header(body, secret)
    headers = {"Stripe-Signature": header, "Content-Type": "application/json; charset=utf-8"}
    path = "/webhooks/stripe"
    rejected(checks, receiver, "stripe tampered body", path, tampered(body), headers)
    # The right MAC under `v0` does not count.
    v0 = {"Stripe-Signature": header.replace("v1=", "v0=")}
    rejected(checks, receiver, "stripe signature under v0", path, body, v0)
    delivered(checks, receiver, "stripe", path, body, headers, "stripe", event_id,
              "payment_intent.succeeded")
    # Stripe's retry: the same event, signed anew.
    retry = stripe.WebhookSignature.generate_signature_header(body, secret, int(time.time()) + 1)
    duplicate(checks, receiver, "stripe retry re-signed", path, body, {"Stripe-Signature": retry})
    # A secret being rolled: a v1 from the old secret, the new one, and a v0.
    event2 = "evt_" + secrets.token_hex(12)
    body2 = body.replace(event_id, event2)
    ts = int(time.time())
    old = stripe.WebhookSignature.generate_signature_header(body2, "whsec_old", ts)
    new = stripe.WebhookSignature.generate_signature_header(body2, secret, ts)
    rolled = f"{old},{new.split(',', 1)[1]},v0={'0' * 64}"
    delivered(checks, receiver, "stripe several v1 entries", path, body2,
              {"Stripe-Signature": rolled}, "stripe", event2, "payment_intent.succeeded")
    stale = stripe.WebhookSignature.generate_signature_header(
        body.replace(event_id, "evt_stale"), secret, int(time.time()) - 301)
    rejected(checks, receiver, "stripe 301 s old", path, body.replace(event_id, "evt_stale"),
             {"Stripe-Signature": stale}, expected=400)


def slack_to_receiver(checks, receiver, secret):
    verifier = SignatureVerifier(secret)

    def headers(body, content_type, ts=None):
        ts = str(ts or int(time.time()))
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
            "Content-Type": content_type,
        }

    path = "/webhooks/slack"
    json_type = "application/json"
    form_type = "application/x-www-form-urlencoded"

    # Events API: JSON, deduplicated on `event_id`, Slack's retries included.
    event_id = "Ev" + secrets.token_hex(5).upper()
    event = json.dumps({
        "token": "XXYYZZ", "team_id": "T123ABC456", "api_app_id": "A123ABC456",
        "event": {"type": "app_mention", "user": "U123ABC456", "text": "<@U0LAN0Z89> hi & bye",
                  "ts": "1515449522.000016", "channel": "C123ABC456"},
        "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
    })
    first = headers(event, json_type)
    rejected(checks, receiver, "slack tampered event", path, tampered(event), first)
    delivered(checks, receiver, "slack event", path, event, first, "slack", event_id,
              "event_callback")
    retry = dict(headers(event, json_type, int(time.time()) + 1), **{"X-Slack-Retry-Num": "1"})
    duplicate(checks, receiver, "slack event retry re-signed", path, event, retry)

    # A slash command: a form, deduplicated on `trigger_id`, no type.
    trigger = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**11)}.{secrets.token_hex(16)}"
    command = urllib.parse.urlencode({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": "T0001", "team_domain": "example",
        "channel_id": "C2147483705", "channel_name": "test", "user_id": "U2147483697",
        "user_name": "Steve", "command": "/weather", "text": "94070 à Paris",
        "response_url": "https://hooks.slack.com/commands/1234/5678",
        "trigger_id": trigger, "api_app_id": "A123456",
    })
    signed = headers(command, form_type)
    rejected(checks, receiver, "slack tampered command", path, tampered(command), signed)
    delivered(checks, receiver, "slack slash command", path, command, signed, "slack", trigger, "")

    # Interactivity: a form whose `payload` field is JSON.
    trigger2 = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**11)}.{secrets.token_hex(16)}"
    interaction = urllib.parse.urlencode({"payload": json.dumps({
        "type": "block_actions", "trigger_id": trigger2,
        "team": {"id": "T9TK3CUKW", "domain": "example"},
        "user": {"id": "UA8RXUSPL", "username": "jtorrance"},
        "actions": [{"action_id": "WaXA", "block_id": "=qXel", "value": "click_me_123",
                     "type": "button"}],
    })})
    delivered(checks, receiver, "slack interactivity", path, interaction,
              headers(interaction, form_type), "slack", trigger2, "block_actions")

    # URL verification: a handshake, answered by the layer with the challenge once verified,
    # without running the handler (no stdout line), and never deduplicated (Slack may check
    # the URL again: the same request is answered again).
    challenge = secrets.token_urlsafe(36)
    verification = json.dumps(
        {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"})
    signed_verification = headers(verification, json_type)
    for attempt in ("", " again"):
        status, text = receiver.post(path, verification, signed_verification)
        checks.check(f"slack url_verification{attempt}: answered with the challenge",
                     (status, text) == (200, challenge), f"got {status} {text!r}")
    lines = receiver.new_lines(2.0)
    checks.check("slack url_verification: answered by the layer, no handler ran",
                 lines == [], f"got {lines}")
    stale_ts = int(time.time()) - 301
    rejected(checks, receiver, "slack 301 s old", path, verification,
             headers(verification, json_type, stale_ts), expected=400)


def sdks_to_receiver(checks, binary, octokit):
    env = {
        "STANDARD_WEBHOOKS_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        "GITHUB_WEBHOOK_SECRET": secrets.token_hex(20),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
    }
    env.update(providers.receiver_env())
    receiver = Receiver(binary, env)
    name = os.path.basename(binary)
    print(f"--- SDKs -> {name} ({receiver.base})")
    try:
        standard_webhooks_to_receiver(checks, receiver, env["STANDARD_WEBHOOKS_SECRET"])
        github_to_receiver(checks, receiver, octokit, env["GITHUB_WEBHOOK_SECRET"])
        stripe_to_receiver(checks, receiver, env["STRIPE_WEBHOOK_SECRET"])
        slack_to_receiver(checks, receiver, env["SLACK_SIGNING_SECRET"])
        providers.to_receiver(checks, receiver, env, delivered, rejected)
        # The existing contract still holds: an unsigned Audit Trail request is refused.
        rejected(checks, receiver, "audit-trail unsigned", "/webhooks/audit-trail", "{}", {})
    finally:
        receiver.stop()


def ours_to_sdks(checks, signed_path, octokit):
    print("--- webhook_guard::Signer -> SDKs")
    deliveries = json.load(open(signed_path, encoding="utf-8"))
    github = []
    for d in deliveries:
        scheme, secret, body = d["scheme"], d["secret"], d["body"]
        headers = dict(d["headers"])
        bad = tampered(body)
        if scheme in providers.SCHEMES:
            continue
        if scheme == "standard-webhooks":
            wh = Webhook(secret)
            try:
                wh.verify(body, headers)
                ok = True
            except WebhookVerificationError as error:
                ok = error
            try:
                wh.verify(bad, headers)
                refused = False
            except WebhookVerificationError:
                refused = True
        elif scheme == "stripe":
            header = headers["stripe-signature"]
            try:
                ok = stripe.WebhookSignature.verify_header(body, header, secret, 300)
            except stripe.SignatureVerificationError as error:
                ok = error
            try:
                stripe.WebhookSignature.verify_header(bad, header, secret, 300)
                refused = False
            except stripe.SignatureVerificationError:
                refused = True
        elif scheme == "slack":
            verifier = SignatureVerifier(secret)
            ok = verifier.is_valid_request(body, headers)
            refused = not verifier.is_valid_request(bad, headers)
        elif scheme == "github":
            github.append((d, headers["x-hub-signature-256"], bad))
            continue
        else:
            raise ValueError(f"unknown scheme {scheme}")
        checks.check(f"{scheme} SDK verifies our signature ({d['name']})", ok is True, f"{ok}")
        checks.check(f"{scheme} SDK refuses it tampered ({d['name']})", refused)
    requests = []
    for d, signature, bad in github:
        requests.append({"op": "verify", "secret": d["secret"], "payload": d["body"],
                         "signature": signature})
        requests.append({"op": "verify", "secret": d["secret"], "payload": bad,
                         "signature": signature})
    answers = octokit.run(requests)
    for i, (d, _, _) in enumerate(github):
        checks.check(f"github SDK verifies our signature ({d['name']})", answers[2 * i] is True)
        checks.check(f"github SDK refuses it tampered ({d['name']})", answers[2 * i + 1] is False)
    schemes = {d["scheme"] for d in deliveries} - providers.SCHEMES
    checks.check("our signer covered the four schemes",
                 schemes == {"standard-webhooks", "github", "stripe", "slack"}, f"{schemes}")
    providers.ours_to_sdks(checks, deliveries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signed", required=True, help="deliveries signed by webhook_guard")
    parser.add_argument("receivers", nargs="+", help="example receiver binaries")
    args = parser.parse_args()
    octokit = Octokit()
    print(
        f"SDKs: standardwebhooks {version('standardwebhooks')}, stripe {stripe.VERSION}, "
        f"slack-sdk {slack_sdk.version.__version__}, @octokit/webhooks-methods {octokit.version}"
    )
    checks = Checks()
    ours_to_sdks(checks, args.signed, octokit)
    for binary in args.receivers:
        sdks_to_receiver(checks, binary, octokit)
    print(f"sdk checks: {checks.passed} ok, {len(checks.failed)} failing")
    for name in checks.failed:
        print(f"  failing: {name}")
    sys.exit(1 if checks.failed else 0)


def version(package):
    from importlib.metadata import version as installed

    return installed(package)


if __name__ == "__main__":
    main()
