#!/usr/bin/env python3
"""Providers that sign nothing, or sign oddly, against webhook-guard, both ways, over HTTP.

    python3 tests/sdk/tokens.py --signed SIGNED.json [--inbox DIR] RECEIVER [RECEIVER...]

Run by `tests/sdk_tokens.rs` (`cargo test --test sdk_tokens`), which builds the example
receivers and writes SIGNED.json with deliveries made by the catalog's entries
(`webhook_guard::testing::catalog`, i.e. `webhook_guard::Signer`).

GitLab, Postmark, Okta, Microsoft Graph, Mailgun and Asana publish no verification library on
PyPI or npm (their SDKs call their APIs; none checks a webhook), so each provider's documented
algorithm is written here with the standard library only, from the provider's documentation:

- GitLab ("Webhooks"): `X-Gitlab-Token` is the secret token itself; `Idempotency-Key` is kept
  across retries, `X-Gitlab-Event-UUID` is per request.
- Postmark ("Webhooks overview"): HTTP Basic credentials in the webhook URL (RFC 7617).
- Okta ("Event hooks"): the one-time verification `GET` with `X-Okta-Verification-Challenge`,
  answered `{"verification": ...}`; deliveries carry the configured `Authorization` value.
- Microsoft Graph ("Receive change notifications through webhooks"): `?validationToken=`
  answered with the decoded token as text/plain; every notification's `clientState`.
- Mailgun ("Securing Webhooks"): hex HMAC-SHA256 of timestamp + token with the signing key,
  in the body.
- Asana ("Webhooks", "Security"): the `X-Hook-Secret` handshake echoed, then `X-Hook-Signature`,
  the hex HMAC-SHA256 of the body.

1. provider -> receiver: each RECEIVER (an example receiver binary) is started on a free port
   with fresh secrets; requests made as each provider makes them are POSTed (or GET) over real
   HTTP: accepted once (200 and one stdout line), sent again or retried (200 `already
   processed`, no line), tampered (401), stale (400, Mailgun), handshakes answered (no line).
2. webhook-guard -> provider algorithm: every delivery in SIGNED.json checks out under the
   documented algorithm, and a tampered copy does not.

With `--inbox DIR` the receivers run in inbox mode (`INBOX_URL=sqlite://DIR/<receiver>.db`):
a delivery is answered 200 `OK` once stored and its line is printed once handled; a duplicate
is answered 200 `OK` too, and never printed.

Exit status: 0 when every check passes, 1 when one fails.
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
import urllib.parse
import uuid

from run import Checks, Receiver


# Set by --inbox: the answer to a duplicate, and how long a line may take to appear.
DUPLICATE_TEXT = "already processed"
LINE_WAIT = 0.3


def delivered(checks, receiver, name, path, body, headers, provider, id, type):
    """Handled once: 200 and one stdout line. `id` is the exact id, or a prefix ending in `_`
    for the ids webhook-guard derives (`body_...`, `sig_...`). Returns the line's id."""
    status, text, _ = receiver.send("POST", path, body, headers)
    lines = receiver.new_lines(2.0)
    checks.check(f"{name}: accepted", (status, text) == (200, "OK"), f"got {status} {text!r}")
    line = json.loads(lines[0]) if len(lines) == 1 else {}
    got_id = line.get("id", "")
    id_ok = got_id.startswith(id) and len(got_id) > len(id) if id.endswith("_") else got_id == id
    checks.check(
        f"{name}: one stdout line",
        len(lines) == 1 and line.get("provider") == provider and line.get("type") == type and id_ok,
        f"got {lines}, expected provider {provider} id {id} type {type}",
    )
    return got_id


def duplicate(checks, receiver, name, path, body, headers):
    status, text, _ = receiver.send("POST", path, body, headers)
    lines = receiver.new_lines(LINE_WAIT)
    checks.check(
        f"{name}: 200 {DUPLICATE_TEXT}, no line",
        (status, text, lines) == (200, DUPLICATE_TEXT, []),
        f"got {status} {text!r} {lines}",
    )


def rejected(checks, receiver, name, path, body, headers, expected=401):
    status, text, _ = receiver.send("POST", path, body, headers)
    lines = receiver.new_lines(LINE_WAIT)
    checks.check(
        f"{name}: {expected}, no line", status == expected and lines == [],
        f"got {status} {text!r} {lines}",
    )


def flip(text):
    """One bit of the last letter or digit flipped."""
    chars = list(text)
    for i in range(len(chars) - 1, -1, -1):
        if chars[i].isalnum():
            chars[i] = chr(ord(chars[i]) ^ 1)
            break
    return "".join(chars)


def now_rfc3339(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


# --- GitLab ------------------------------------------------------------------------------------

def gitlab_to_receiver(checks, receiver, token):
    body = json.dumps({
        "object_kind": "push", "event_name": "push", "ref": "refs/heads/main",
        "after": secrets.token_hex(20), "project": {"path_with_namespace": "mike/diaspora"},
        "commits": [{"id": secrets.token_hex(20), "message": "Zoë's fix", "timestamp": now_rfc3339()}],
    }, ensure_ascii=False)
    key, event_uuid = str(uuid.uuid4()), str(uuid.uuid4())

    def headers(token=token, key=key, event_uuid=event_uuid):
        h = {"X-Gitlab-Token": token, "X-Gitlab-Event": "Push Hook",
             "X-Gitlab-Event-UUID": event_uuid, "Content-Type": "application/json"}
        if key is not None:
            h["Idempotency-Key"] = key
        return h

    path = "/webhooks/gitlab"
    rejected(checks, receiver, "gitlab wrong token", path, body, headers(flip(token)))
    rejected(checks, receiver, "gitlab no token", path, body,
             {k: v for k, v in headers().items() if k != "X-Gitlab-Token"})
    delivered(checks, receiver, "gitlab", path, body, headers(), "gitlab", key, "Push Hook")
    duplicate(checks, receiver, "gitlab sent again", path, body, headers())
    # GitLab's retry: the same Idempotency-Key, a new request UUID.
    duplicate(checks, receiver, "gitlab retry", path, body, headers(event_uuid=str(uuid.uuid4())))
    # A captured delivery relabelled: new ids, the same body (the token binds nothing, the body
    # digest does).
    duplicate(checks, receiver, "gitlab same body under new ids", path, body,
              headers(key=str(uuid.uuid4()), event_uuid=str(uuid.uuid4())))
    # GitLab before 17.4: no Idempotency-Key, the event UUID is the id.
    older = body.replace('"push"', '"tag_push"', 1)
    older_uuid = str(uuid.uuid4())
    delivered(checks, receiver, "gitlab without Idempotency-Key", path, older,
              headers(key=None, event_uuid=older_uuid), "gitlab", older_uuid, "Push Hook")


def gitlab_check(delivery):
    token = header(delivery, "x-gitlab-token")
    return token is not None and hmac.compare_digest(token.encode(), delivery["secret"].encode())


# --- Postmark ----------------------------------------------------------------------------------

def basic(credentials):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def postmark_to_receiver(checks, receiver, credentials):
    message = str(uuid.uuid4())

    def open_event(first, received):
        return json.dumps({
            "RecordType": "Open", "MessageStream": "outbound", "FirstOpen": first,
            "Recipient": "john@example.com", "MessageID": message, "ReceivedAt": received,
            "Platform": "WebMail", "ReadSeconds": 5, "Tag": "welcome-email",
        })

    body = open_event(True, now_rfc3339())
    headers = {"Authorization": basic(credentials), "Content-Type": "application/json"}
    path = "/webhooks/postmark"
    user, password = credentials.split(":", 1)
    rejected(checks, receiver, "postmark wrong password", path, body,
             {"Authorization": basic(f"{user}:{flip(password)}")})
    rejected(checks, receiver, "postmark no credentials", path, body, {})
    rejected(checks, receiver, "postmark bearer instead of basic", path, body,
             {"Authorization": "Bearer " + credentials})
    delivered(checks, receiver, "postmark", path, body, headers, "postmark", "body_", "Open")
    # Postmark's retry sends the same body.
    duplicate(checks, receiver, "postmark retry", path, body, headers)
    # The same message opened again is another event.
    again = open_event(False, now_rfc3339(5))
    delivered(checks, receiver, "postmark second open", path, again, headers, "postmark",
              "body_", "Open")


def postmark_check(delivery):
    sent = header(delivery, "authorization")
    return sent is not None and hmac.compare_digest(sent.encode(), basic(delivery["secret"]).encode())


# --- Okta --------------------------------------------------------------------------------------

def okta_to_receiver(checks, receiver, value):
    path = "/webhooks/okta"
    challenge = secrets.token_urlsafe(24)
    status, text, response_headers = receiver.send(
        "GET", path, None, {"X-Okta-Verification-Challenge": challenge, "Authorization": value})
    lines = receiver.new_lines(LINE_WAIT)
    answer = json.loads(text) if status == 200 else {}
    checks.check(
        "okta verification GET: answered, no line",
        status == 200 and answer == {"verification": challenge}
        and response_headers.get("Content-Type", "").startswith("application/json") and lines == [],
        f"got {status} {text!r} {lines}",
    )
    event_id = str(uuid.uuid4())
    body = json.dumps({
        "eventType": "com.okta.event_hook", "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1", "source": "https://example.okta.com/api/v1/eventHooks/1",
        "eventId": event_id, "eventTime": now_rfc3339(), "contentType": "application/json",
        "data": {"events": [{"eventType": "user.lifecycle.create", "displayMessage": "Create Okta user"}]},
    })
    headers = {"Authorization": value, "Content-Type": "application/json"}
    rejected(checks, receiver, "okta wrong value", path, body, {"Authorization": flip(value)})
    delivered(checks, receiver, "okta", path, body, headers, "okta", event_id, "com.okta.event_hook")
    duplicate(checks, receiver, "okta sent again", path, body, headers)


def okta_check(delivery):
    sent = header(delivery, "authorization")
    return sent is not None and hmac.compare_digest(sent.encode(), delivery["secret"].encode())


# --- Microsoft Graph ---------------------------------------------------------------------------

def graph_notification(state, change="created", resource=None):
    resource = resource or f"Users/7a8b/Messages/{uuid.uuid4()}"
    return {
        "subscriptionId": str(uuid.uuid4()), "subscriptionExpirationDateTime": now_rfc3339(3600),
        "clientState": state, "changeType": change, "resource": resource,
        "tenantId": str(uuid.uuid4()),
        "resourceData": {"@odata.type": "#Microsoft.Graph.Message", "id": resource.rsplit("/", 1)[1]},
    }


def msgraph_to_receiver(checks, receiver, state):
    path = "/webhooks/msgraph"
    token = f"Validation: Testing client application reachability for subscription Request-Id: {uuid.uuid4()}"
    status, text, response_headers = receiver.send(
        "POST", path + "?validationToken=" + urllib.parse.quote_plus(token), "",
        {"Content-Type": "text/plain; charset=utf-8"})
    lines = receiver.new_lines(LINE_WAIT)
    checks.check(
        "msgraph validationToken: echoed decoded as text/plain, no line",
        (status, text) == (200, token)
        and response_headers.get("Content-Type", "").startswith("text/plain") and lines == [],
        f"got {status} {text!r} {response_headers.get('Content-Type')} {lines}",
    )
    body = json.dumps({"value": [graph_notification(state), graph_notification(state)]})
    headers = {"Content-Type": "application/json"}
    rejected(checks, receiver, "msgraph wrong clientState", path,
             json.dumps({"value": [graph_notification(flip(state))]}), headers)
    rejected(checks, receiver, "msgraph one item of two wrong", path,
             json.dumps({"value": [graph_notification(state), graph_notification(flip(state))]}),
             headers)
    delivered(checks, receiver, "msgraph", path, body, headers, "msgraph", "body_", "created")
    # Graph's retry sends the same notifications.
    duplicate(checks, receiver, "msgraph retry", path, body, headers)


def msgraph_check(delivery):
    items = json.loads(delivery["body"]).get("value", [])
    return bool(items) and all(
        hmac.compare_digest(str(item.get("clientState", "")).encode(), delivery["secret"].encode())
        for item in items
    )


# --- Mailgun -----------------------------------------------------------------------------------

def mailgun_signature(key, timestamp, token):
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def mailgun_body(key, event_id, event="delivered", ts=None, token=None, signature=None):
    ts = str(ts if ts is not None else int(time.time()))
    token = token or secrets.token_hex(25)
    return json.dumps({
        "signature": {"timestamp": ts, "token": token,
                      "signature": signature or mailgun_signature(key, ts, token)},
        "event-data": {"event": event, "id": event_id, "timestamp": float(ts),
                       "recipient": "alice@example.com", "log-level": "info"},
    })


def mailgun_to_receiver(checks, receiver, key):
    path = "/webhooks/mailgun"
    headers = {"Content-Type": "application/json"}
    event_id = secrets.token_urlsafe(16)
    body = mailgun_body(key, event_id)
    sent = json.loads(body)
    forged = json.loads(body)
    forged["signature"]["signature"] = mailgun_signature(key + "x", sent["signature"]["timestamp"],
                                                         sent["signature"]["token"])
    rejected(checks, receiver, "mailgun signature under another key", path, json.dumps(forged),
             headers)
    delivered(checks, receiver, "mailgun", path, body, headers, "mailgun", event_id, "delivered")
    duplicate(checks, receiver, "mailgun sent again", path, body, headers)
    # Event data is not signed: other data under the same signature is refused as a copy.
    rewritten = json.loads(body)
    rewritten["event-data"]["id"] = secrets.token_urlsafe(16)
    rewritten["event-data"]["event"] = "failed"
    duplicate(checks, receiver, "mailgun other event data under a used signature", path,
              json.dumps(rewritten), headers)
    # Mailgun's retry, signed anew with another token: the same event id.
    duplicate(checks, receiver, "mailgun retry re-signed", path,
              mailgun_body(key, event_id, ts=int(time.time()) + 1), headers)
    rejected(checks, receiver, "mailgun 9 hours and a minute old", path,
             mailgun_body(key, secrets.token_urlsafe(16), ts=int(time.time()) - 9 * 3600 - 60),
             headers, expected=400)
    # The older form webhooks.
    ts, token = str(int(time.time())), secrets.token_hex(25)
    form = urllib.parse.urlencode({
        "timestamp": ts, "token": token, "signature": mailgun_signature(key, ts, token),
        "event": "opened", "recipient": "alice@example.com",
    })
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    delivered(checks, receiver, "mailgun form", path, form, form_headers, "mailgun", "sig_",
              "opened")
    duplicate(checks, receiver, "mailgun form sent again", path, form, form_headers)


def mailgun_check(delivery):
    signature = json.loads(delivery["body"])["signature"]
    expected = mailgun_signature(delivery["secret"], signature["timestamp"], signature["token"])
    return hmac.compare_digest(signature.get("signature", "").encode(), expected.encode())


# --- Asana -------------------------------------------------------------------------------------

def asana_signature(secret, body):
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def asana_to_receiver(checks, receiver, secret):
    path = "/webhooks/asana"
    offered = secrets.token_hex(16)
    status, text, response_headers = receiver.send("POST", path, "", {"X-Hook-Secret": offered})
    lines = receiver.new_lines(LINE_WAIT)
    checks.check(
        "asana X-Hook-Secret handshake: echoed, no line",
        status == 200 and response_headers.get("X-Hook-Secret") == offered and lines == [],
        f"got {status} {text!r} {response_headers.get('X-Hook-Secret')!r} {lines}",
    )
    body = json.dumps({"events": [{
        "user": {"gid": "1123", "resource_type": "user"}, "created_at": now_rfc3339(),
        "action": "changed", "resource": {"gid": str(secrets.randbelow(10**12)), "resource_type": "task"},
        "parent": None, "change": {"field": "name", "action": "changed"},
    }]})
    headers = {"X-Hook-Signature": asana_signature(secret, body), "Content-Type": "application/json"}
    rejected(checks, receiver, "asana tampered body", path, body.replace("changed", "chanGed", 1),
             headers)
    rejected(checks, receiver, "asana another secret", path, body,
             {"X-Hook-Signature": asana_signature(secret + "x", body)})
    delivered(checks, receiver, "asana", path, body, headers, "asana", "body_", "")
    # Asana's retry sends the same body.
    duplicate(checks, receiver, "asana retry", path, body, headers)


def asana_check(delivery):
    sent = header(delivery, "x-hook-signature") or ""
    expected = asana_signature(delivery["secret"], delivery["body"])
    return hmac.compare_digest(sent.encode(), expected.encode())


# --- webhook-guard's deliveries under the documented algorithms -------------------------------

def header(delivery, name):
    for key, value in delivery["headers"]:
        if key.lower() == name:
            return value
    return None


CHECKS = {
    "gitlab": gitlab_check, "postmark": postmark_check, "okta": okta_check,
    "msgraph": msgraph_check, "mailgun": mailgun_check, "asana": asana_check,
}


def tamper_signed(delivery):
    """A copy whose credential no longer holds: the provider's own checks must refuse it."""
    copy = json.loads(json.dumps(delivery))
    name = copy["name"]
    if name in ("gitlab", "postmark", "okta", "asana"):
        wanted = {"gitlab": "x-gitlab-token", "postmark": "authorization",
                  "okta": "authorization", "asana": "x-hook-signature"}[name]
        copy["headers"] = [[k, flip(v) if k.lower() == wanted else v] for k, v in copy["headers"]]
    elif name == "mailgun":
        body = json.loads(copy["body"])
        body["signature"]["token"] = flip(body["signature"]["token"])
        copy["body"] = json.dumps(body)
    elif name == "msgraph":
        body = json.loads(copy["body"])
        body["value"][0]["clientState"] = flip(body["value"][0]["clientState"])
        copy["body"] = json.dumps(body)
    return copy


def ours_to_algorithms(checks, signed):
    seen = set()
    for delivery in signed:
        name = delivery["name"]
        check = CHECKS[name]
        seen.add(name)
        checks.check(f"webhook-guard {name} delivery passes the documented check", check(delivery))
        checks.check(f"webhook-guard {name} tampered copy fails the documented check",
                     not check(tamper_signed(delivery)))
    checks.check("every provider's delivery was checked", seen == set(CHECKS), f"got {sorted(seen)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--signed", required=True)
    parser.add_argument("--inbox", help="run the receivers in inbox mode, databases in this directory")
    parser.add_argument("receivers", nargs="+")
    args = parser.parse_args()
    global DUPLICATE_TEXT, LINE_WAIT
    if args.inbox:
        DUPLICATE_TEXT, LINE_WAIT = "OK", 1.0
    checks = Checks()
    ours_to_algorithms(checks, json.load(open(args.signed)))
    for binary in args.receivers:
        keys = {
            "GITLAB_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "POSTMARK_WEBHOOK_SECRET": f"pm-{secrets.token_hex(4)}:{secrets.token_urlsafe(18)}",
            "OKTA_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "MSGRAPH_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "MAILGUN_WEBHOOK_SECRET": secrets.token_hex(16) + "-" + secrets.token_hex(4),
            "ASANA_WEBHOOK_SECRET": secrets.token_hex(16),
        }
        if args.inbox:
            keys["INBOX_URL"] = f"sqlite://{args.inbox}/{os.path.basename(binary)}.db"
        receiver = Receiver(binary, keys)
        try:
            print(f"# {os.path.basename(binary)}{' (inbox mode)' if args.inbox else ''}")
            gitlab_to_receiver(checks, receiver, keys["GITLAB_WEBHOOK_SECRET"])
            postmark_to_receiver(checks, receiver, keys["POSTMARK_WEBHOOK_SECRET"])
            okta_to_receiver(checks, receiver, keys["OKTA_WEBHOOK_SECRET"])
            msgraph_to_receiver(checks, receiver, keys["MSGRAPH_WEBHOOK_SECRET"])
            mailgun_to_receiver(checks, receiver, keys["MAILGUN_WEBHOOK_SECRET"])
            asana_to_receiver(checks, receiver, keys["ASANA_WEBHOOK_SECRET"])
        finally:
            receiver.stop()
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    if checks.failed:
        print("failed: " + ", ".join(checks.failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
