#!/usr/bin/env python3
"""Cross-library checks for the schemes of issue 28 that verify with fetched public keys:
AWS SNS, Plaid and Google Pub/Sub push.

    python3 tests/sdk/keys.py --signed SIGNED.json RECEIVER [RECEIVER...]

Run by `tests/sdk_keys.rs` (`cargo test --test sdk_keys`), which builds the example receivers
and writes SIGNED.json with deliveries signed by the catalog's demo keys.

1. webhook-guard -> libraries: our SNS messages pass `sns-validator` (npm; its certificate
   download answered with the demo certificate, tests/sdk/sns.cjs), our Plaid tokens pass
   PyJWT's ES256 verification with the demo key and carry the body's SHA-256 as Plaid
   documents it, our Pub/Sub tokens pass `google-auth`'s `id_token.verify_token` against a
   local certificates URL (and say `iss` accounts.google.com); tampered copies do not.
2. libraries -> receiver: each RECEIVER is started with fresh keys: a local server serves the
   Plaid JWKS and Google-style certificates (`PLAID_JWKS`, `PUBSUB_JWKS` as URLs: the
   receiver fetches them) and the SNS certificate is a file (`SNS_PUBLIC_KEY`). Deliveries
   signed by PyJWT (Plaid, as Plaid's docs sign with a JOSE library), `google-auth`'s own
   `jwt.encode` with an `RSASigner` (Pub/Sub) and `cryptography` over the canonical string
   `sns-validator` accepts (SNS) are POSTed over real HTTP: handled once, the same request and
   the provider's retry (signed anew) not again, a flipped bit 401, stale 400, an unknown key
   401, the wrong audience 401, an SNS SubscriptionConfirmation handed to the handler.

Exit status: 0 when every check passes, 1 when one fails, 2 when a package is missing (run
`scripts/test.sh`, which installs tests/sdk/requirements.txt and tests/sdk/package.json).
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
MISSING = 2

try:
    import google.auth.crypt
    import google.auth.jwt
    import google.auth.transport.urllib3
    import jwt as pyjwt
    import urllib3
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import NameOID
    from google.oauth2 import id_token

    from run import Checks, Receiver, duplicate, rejected
except ImportError as error:
    print(
        f"tests/sdk/keys.py: the Python package {error.name!r} is missing: run "
        "scripts/test.sh, which installs the libraries (tests/sdk/requirements.txt)",
        file=sys.stderr,
    )
    sys.exit(MISSING)

SNS_VALIDATOR = os.path.join(HERE, "node_modules", "sns-validator", "package.json")
# The catalog's demo values (public: src/scheme/plaid.rs, sns.rs, pubsub.rs).
DEMO_PLAID_SEED = "8c6c1f5d6f4e0a3b2d1c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
DEMO_SNS_CERT_URL = (
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-webhook-guard-demo.pem"
)
DEMO_CERT = os.path.join(HERE, "..", "..", "examples", "common", "demo", "paypal-demo-cert.pem")
SNS_FIELDS = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": [
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ],
}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def header(headers, name):
    return next(v for k, v in headers if k.lower() == name)


def body_id(body):
    """The receiver's id of a body without one (`Field::BodyDigest`)."""
    digest = hashlib.sha256(b"webhook-guard body id\0" + body.encode()).hexdigest()
    return "body_" + digest[:32]


def rfc3339(at):
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def flip_last_signature_char(token):
    i = len(token) - 3
    return token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:]


# --- The libraries' verification, for our signer's output -------------------------------------


def sns_validate(certificate_pem, messages):
    """`sns-validator`'s answers for `messages`, offline (tests/sdk/sns.cjs)."""
    try:
        subprocess.run(["node", "--version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("tests/sdk/keys.py: node is missing: run scripts/test.sh", file=sys.stderr)
        sys.exit(MISSING)
    if not os.path.exists(SNS_VALIDATOR):
        print("tests/sdk/keys.py: the npm package sns-validator is missing: run "
              "scripts/test.sh", file=sys.stderr)
        sys.exit(MISSING)
    done = subprocess.run(
        ["node", os.path.join(HERE, "sns.cjs")],
        input=json.dumps({"certificate": certificate_pem, "messages": messages}),
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


class KeyServer:
    """A loopback HTTP server for key sets: path -> JSON text (changeable while it runs)."""

    def __init__(self):
        self.documents = {}
        self.hits = {}
        documents, hits = self.documents, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits[self.path] = hits.get(self.path, 0) + 1
                text = documents.get(self.path)
                if text is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = text.encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("cache-control", "public, max-age=3600")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def ours_to_libraries(checks, signed, server):
    demo_cert = open(DEMO_CERT, encoding="utf-8").read()
    certificate = x509.load_pem_x509_certificate(demo_cert.encode())
    for delivery in signed:
        name, headers, body = delivery["name"], delivery["headers"], delivery["body"]
        if name == "sns":
            tampered = json.loads(body)
            tampered["Message"] = tampered["Message"] + "!"
            answer = sns_validate(demo_cert, [body, json.dumps(tampered)])
            checks.check(f"ours -> sns-validator {answer['version']}: valid",
                         answer["answers"][0] == {"ok": True}, str(answer))
            checks.check("ours -> sns-validator: a changed Message is refused",
                         not answer["answers"][1]["ok"], str(answer))
            checks.check("ours -> sns-validator: it asked for our SigningCertURL",
                         answer["fetched"][:1] == [DEMO_SNS_CERT_URL], str(answer["fetched"]))
        elif name == "plaid":
            key = ec.derive_private_key(int(DEMO_PLAID_SEED, 16), ec.SECP256R1()).public_key()
            token = header(headers, "plaid-verification")
            claims = pyjwt.decode(token, key, algorithms=["ES256"])
            checks.check(f"ours -> PyJWT {pyjwt.__version__}: ES256 verifies, kid named",
                         pyjwt.get_unverified_header(token).get("kid") == "demo-plaid-key-1")
            checks.check("ours -> Plaid's check: request_body_sha256 is the body's",
                         claims["request_body_sha256"] == hashlib.sha256(body.encode()).hexdigest())
            checks.check("ours -> Plaid's check: iat within 5 minutes",
                         abs(time.time() - claims["iat"]) < 300)
            try:
                pyjwt.decode(flip_last_signature_char(token), key, algorithms=["ES256"])
                checks.check("ours -> PyJWT: a flipped bit is refused", False)
            except pyjwt.InvalidSignatureError:
                checks.check("ours -> PyJWT: a flipped bit is refused", True)
        elif name == "pubsub":
            token = header(headers, "authorization").removeprefix("Bearer ")
            server.documents["/ours/certs"] = json.dumps({
                "demo-google-key-1": certificate.public_bytes(serialization.Encoding.PEM).decode()
            })
            request = google.auth.transport.urllib3.Request(urllib3.PoolManager())
            claims = id_token.verify_token(token, request, audience=delivery["audience"],
                                           certs_url=server.base + "/ours/certs")
            checks.check(f"ours -> google-auth {google.auth.__version__}: verify_token accepts",
                         claims["iss"] in ("accounts.google.com", "https://accounts.google.com"),
                         str(claims))
            try:
                id_token.verify_token(token, request, audience="https://other.example",
                                      certs_url=server.base + "/ours/certs")
                checks.check("ours -> google-auth: another audience is refused", False)
            except ValueError:
                checks.check("ours -> google-auth: another audience is refused", True)
            try:
                id_token.verify_token(flip_last_signature_char(token), request,
                                      audience=delivery["audience"],
                                      certs_url=server.base + "/ours/certs")
                checks.check("ours -> google-auth: a flipped bit is refused", False)
            except ValueError:
                checks.check("ours -> google-auth: a flipped bit is refused", True)


# --- The libraries' signatures, to the receivers --------------------------------------------


class Keys:
    """Fresh keys for one run, and the documents the key server serves for them."""

    def __init__(self, server, tmpdir):
        self.plaid = ec.generate_private_key(ec.SECP256R1())
        self.plaid_kid = "plaid-" + uuid.uuid4().hex[:8]
        self.google = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.google_kid = uuid.uuid4().hex
        self.sns = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(timezone.utc)
        self.sns_cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.sns.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(self.sns, hashes.SHA256())
        )
        self.sns_cert_path = os.path.join(tmpdir, f"sns-{os.getpid()}.pem")
        with open(self.sns_cert_path, "wb") as f:
            f.write(self.sns_cert.public_bytes(serialization.Encoding.PEM))
        point = self.plaid.public_key().public_numbers()
        server.documents["/plaid/jwks"] = json.dumps({"keys": [{
            "alg": "ES256", "created_at": int(time.time()), "crv": "P-256", "expired_at": None,
            "kid": self.plaid_kid, "kty": "EC", "use": "sig",
            "x": b64url(point.x.to_bytes(32, "big")), "y": b64url(point.y.to_bytes(32, "big")),
        }]})
        numbers = self.google.public_key().public_numbers()
        server.documents["/google/certs"] = json.dumps({"keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.google_kid,
            "n": b64url(numbers.n.to_bytes(256, "big")), "e": b64url(numbers.e.to_bytes(3, "big")),
        }]})


def plaid_to_receiver(checks, receiver, keys):
    path = "/webhooks/plaid"
    item = uuid.uuid4().hex

    def sign(body, iat=None, kid=None, key=None):
        claims = {"iat": int(iat or time.time()),
                  "request_body_sha256": hashlib.sha256(body.encode()).hexdigest()}
        token = pyjwt.encode(claims, key or keys.plaid, algorithm="ES256",
                             headers={"kid": kid or keys.plaid_kid})
        return {"Plaid-Verification": token, "Content-Type": "application/json"}

    body = json.dumps({"webhook_type": "TRANSACTIONS", "webhook_code": "DEFAULT_UPDATE",
                       "item_id": item, "new_transactions": 3, "error": None,
                       "environment": "sandbox"})
    flipped = body.replace("DEFAULT_UPDATE", "DEFAULT_UPDATF")
    rejected(checks, receiver, "plaid (PyJWT): a flipped body bit", path, flipped, sign(body))
    stale = sign(body, iat=time.time() - 6 * 60)
    rejected(checks, receiver, "plaid (PyJWT): iat 6 minutes old", path, body, stale, 400)
    unknown = sign(body, kid="not-a-plaid-key")
    rejected(checks, receiver, "plaid (PyJWT): an unknown kid", path, body, unknown)
    other = ec.generate_private_key(ec.SECP256R1())
    rejected(checks, receiver, "plaid (PyJWT): another key under the kid", path, body,
             sign(body, key=other))
    first = sign(body)
    status, text = receiver.post(path, body, first)
    lines = receiver.new_lines(2.0)
    checks.check("plaid (PyJWT): accepted", (status, text) == (200, "OK"), f"{status} {text!r}")
    line = json.loads(lines[0]) if len(lines) == 1 else {}
    checks.check("plaid (PyJWT): one stdout line, the body's id",
                 (line.get("provider"), line.get("id"), line.get("type"))
                 == ("plaid", body_id(body), "DEFAULT_UPDATE"), str(lines))
    duplicate(checks, receiver, "plaid (PyJWT): sent again", path, body, first)
    time.sleep(1.1)
    duplicate(checks, receiver, "plaid (PyJWT): Plaid's retry (a new token)", path, body, sign(body))


def pubsub_to_receiver(checks, receiver, keys, audience):
    path = "/webhooks/pubsub"
    signer = google.auth.crypt.RSASigner.from_string(
        keys.google.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode(),
        key_id=keys.google_kid,
    )

    def sign(aud=audience, iat=None):
        now = int(iat or time.time())
        payload = {"aud": aud, "azp": "1", "email": "push@p.iam.gserviceaccount.com",
                   "email_verified": True, "iat": now, "exp": now + 3600,
                   "iss": "https://accounts.google.com", "sub": "1"}
        token = google.auth.jwt.encode(signer, payload).decode()
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def body(message_id):
        return json.dumps({"message": {
            "attributes": {"type": "order.shipped"},
            "data": base64.b64encode(b'{"order":"o-1"}').decode(),
            "messageId": message_id, "message_id": message_id,
            "publishTime": rfc3339(time.time()), "publish_time": rfc3339(time.time())},
            "subscription": "projects/p/subscriptions/s"})

    message_id = str(uuid.uuid4().int)[:16]
    token = sign()
    bad = dict(token, Authorization=flip_last_signature_char(token["Authorization"]))
    rejected(checks, receiver, "pubsub (google-auth): a flipped token bit", path,
             body(message_id), bad)
    rejected(checks, receiver, "pubsub (google-auth): another audience", path, body(message_id),
             sign(aud="https://elsewhere.example/push"))
    rejected(checks, receiver, "pubsub (google-auth): a token 2 hours old", path,
             body(message_id), sign(iat=time.time() - 7200), 400)
    status, text = receiver.post(path, body(message_id), token)
    lines = receiver.new_lines(2.0)
    checks.check("pubsub (google-auth): accepted", (status, text) == (200, "OK"),
                 f"{status} {text!r}")
    line = json.loads(lines[0]) if len(lines) == 1 else {}
    checks.check("pubsub (google-auth): one stdout line, the messageId",
                 (line.get("provider"), line.get("id")) == ("pubsub", message_id), str(lines))
    duplicate(checks, receiver, "pubsub (google-auth): sent again", path, body(message_id), token)
    duplicate(checks, receiver, "pubsub (google-auth): redelivered with a new token", path,
              body(message_id), sign(iat=time.time() + 1))
    # The same token with another message: Pub/Sub may do this; it is a new message.
    other = str(uuid.uuid4().int)[:16]
    status, text = receiver.post(path, body(other), token)
    lines = receiver.new_lines(2.0)
    checks.check("pubsub (google-auth): one token, another message: handled",
                 status == 200 and len(lines) == 1 and json.loads(lines[0])["id"] == other,
                 f"{status} {text!r} {lines}")


def sns_message(keys, kind, message_id, at=None, message="hello"):
    message = {
        "Type": kind, "MessageId": message_id, "TopicArn": "arn:aws:sns:us-east-1:1:orders",
        "Message": message, "Timestamp": rfc3339(at or time.time()), "SignatureVersion": "2",
        "SigningCertURL": DEMO_SNS_CERT_URL,
    }
    if kind == "Notification":
        message["Subject"] = "Order"
        message["UnsubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
    else:
        message["Token"] = uuid.uuid4().hex
        message["SubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
    text = "".join(f"{k}\n{message[k]}\n" for k in SNS_FIELDS[kind] if k in message)
    signature = keys.sns.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    message["Signature"] = base64.b64encode(signature).decode()
    return json.dumps(message)


def sns_to_receiver(checks, receiver, keys, cert_pem):
    path = "/webhooks/sns"
    headers = {"x-amz-sns-message-type": "Notification", "Content-Type": "text/plain"}
    message_id = str(uuid.uuid4())
    body = sns_message(keys, "Notification", message_id)
    confirmation = sns_message(keys, "SubscriptionConfirmation", str(uuid.uuid4()))
    answer = sns_validate(cert_pem, [body, confirmation])
    checks.check("sns: sns-validator accepts the messages signed here",
                 answer["answers"] == [{"ok": True}, {"ok": True}], str(answer))
    changed = json.loads(body)
    changed["Message"] = "hellp"
    rejected(checks, receiver, "sns: a flipped bit in Message", path, json.dumps(changed), headers)
    old = sns_message(keys, "Notification", str(uuid.uuid4()), at=time.time() - 2 * 3600)
    rejected(checks, receiver, "sns: published 2 hours ago", path, old, headers, 400)
    elsewhere = json.loads(body)
    elsewhere["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/c.pem"
    rejected(checks, receiver, "sns: a certificate URL off the SNS hosts", path,
             json.dumps(elsewhere), headers)
    status, text = receiver.post(path, body, headers)
    lines = receiver.new_lines(2.0)
    checks.check("sns: accepted", (status, text) == (200, "OK"), f"{status} {text!r}")
    line = json.loads(lines[0]) if len(lines) == 1 else {}
    checks.check("sns: one stdout line, the MessageId",
                 (line.get("provider"), line.get("id"), line.get("type"))
                 == ("sns", message_id, "Notification"), str(lines))
    duplicate(checks, receiver, "sns: sent again", path, body, headers)
    retry = sns_message(keys, "Notification", message_id, at=time.time() + 1)
    duplicate(checks, receiver, "sns: the same MessageId signed anew", path, retry, headers)
    status, text = receiver.post(path, confirmation, dict(headers, **{
        "x-amz-sns-message-type": "SubscriptionConfirmation"}))
    lines = receiver.new_lines(2.0)
    line = json.loads(lines[0]) if len(lines) == 1 else {}
    checks.check("sns: a SubscriptionConfirmation is handed to the handler",
                 status == 200 and line.get("type") == "SubscriptionConfirmation",
                 f"{status} {text!r} {lines}")


def libraries_to_receiver(checks, binary, server, tmpdir):
    keys = Keys(server, tmpdir)
    cert_pem = keys.sns_cert.public_bytes(serialization.Encoding.PEM).decode()
    env = {
        "PLAID_JWKS": server.base + "/plaid/jwks",
        "PUBSUB_JWKS": server.base + "/google/certs",
        "PUBSUB_AUDIENCE": "https://hooks.example.com/webhooks/pubsub",
        "SNS_PUBLIC_KEY": keys.sns_cert_path,
    }
    receiver = Receiver(binary, env)
    try:
        name = os.path.basename(binary)
        before = dict(server.hits)
        plaid_to_receiver(checks, receiver, keys)
        pubsub_to_receiver(checks, receiver, keys, env["PUBSUB_AUDIENCE"])
        sns_to_receiver(checks, receiver, keys, cert_pem)
        fetched = {p: server.hits.get(p, 0) - before.get(p, 0) for p in ("/plaid/jwks", "/google/certs")}
        # Each set loaded once; the unknown kid costs at most one more fetch.
        checks.check(f"{name}: the key sets were fetched, and not per request",
                     1 <= fetched["/plaid/jwks"] <= 2 and fetched["/google/certs"] == 1,
                     str(fetched))
    finally:
        receiver.stop()
        os.remove(keys.sns_cert_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signed", required=True, help="deliveries signed by webhook_guard")
    parser.add_argument("receivers", nargs="+", help="example receiver binaries")
    args = parser.parse_args()
    from importlib.metadata import version

    print("libraries: " + ", ".join(
        f"{p} {version(p)}" for p in ("PyJWT", "google-auth", "cryptography")))
    checks = Checks()
    server = KeyServer()
    try:
        ours_to_libraries(checks, json.load(open(args.signed, encoding="utf-8")), server)
        for binary in args.receivers:
            libraries_to_receiver(checks, binary, server, os.path.dirname(args.signed))
    finally:
        server.stop()
    print(f"sdk checks: {checks.passed} ok, {len(checks.failed)} failing")
    for name in checks.failed:
        print(f"  failing: {name}")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
