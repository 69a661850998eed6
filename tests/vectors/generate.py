#!/usr/bin/env python3
"""Writes tests/vectors/hmac.json: signature vectors computed with the providers' own
reference verifiers, using nothing but the Python standard library.

Audit Trail (audit-trail-webhooks.md, "Verification (Python)"):

    signed_payload = f"{timestamp}.{payload}"
    hmac.new(secret.encode(), signed_payload.encode(), hashlib.sha256).hexdigest()

PALO (palo-webhooks.md, "Securisation des webhooks"):

    hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()   # payload: the raw bytes

Run it from anywhere:

    python3 tests/vectors/generate.py          # (re)writes hmac.json
    python3 tests/vectors/generate.py --check  # exit 1 if hmac.json differs from what it would write

The 100 KiB body is not stored: the vector carries a `body_generator` (prefix, repeated unit,
suffix, total length) that this script and the Rust test both expand the same way.
"""

import hashlib
import hmac
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hmac.json")

AUDIT_TRAIL_SECRET = "whsec_abc123def456"
PALO_SECRET = "votre_secret_hmac_32_chars_min__"


def audit_trail_signature(secret: str, timestamp: str, payload: str) -> str:
    signed_payload = f"{timestamp}.{payload}"
    expected = hmac.new(secret.encode(), signed_payload.encode(), hashlib.sha256).hexdigest()
    return f"sha256={expected}"


def palo_signature(secret: str, payload: bytes) -> str:
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return f"sha256={expected}"


def expand(generator: dict) -> str:
    """prefix + unit repeated (cut to fit) + suffix, `length` bytes in all (ASCII only)."""
    prefix, unit, suffix, length = generator["prefix"], generator["unit"], generator["suffix"], generator["length"]
    middle = length - len(prefix) - len(suffix)
    assert middle >= 0 and prefix.isascii() and unit.isascii() and suffix.isascii()
    repeated = (unit * (middle // len(unit) + 1))[:middle]
    body = prefix + repeated + suffix
    assert len(body.encode()) == length
    return body


AUDIT_TRAIL_BODIES = [
    (
        "compact",
        "1705312200",
        "whd_compact",
        '{"id":"whd_compact","type":"event.created","timestamp":"2025-01-15T10:30:00Z",'
        '"tenantId":"tenant-001","data":{"event":{"id":"550e8400-e29b-41d4-a716-446655440000",'
        '"actor":{"id":"user-123","type":"USER","name":"John Doe"}}}}',
    ),
    (
        "spaces-newlines-key-order",
        "1705312260",
        "whd_spaced",
        '{\n  "data" : {\n    "alert": { "severity": "HIGH",  "ruleName": "Failed Login Detection" }\n  },\n'
        '\t"tenantId":"tenant-001" ,\r\n  "type":   "alert.triggered",\n  "id": "whd_spaced"\n}\n',
    ),
    (
        "unicode",
        "1705312500",
        "whd_unicode",
        '{"id":"whd_unicode","type":"event.created","tenantId":"tenant-001",'
        '"data":{"actor":{"name":"Hélène Dupré é"},"note":"naïve café — ✓"}}',
    ),
    (
        "escaped-characters",
        "1705314000",
        "whd_escaped",
        '{"id":"whd_escaped","type":"event.created","tenantId":"tenant-001","data":{"text":'
        '"quote \\" backslash \\\\ slash \\/ tab \\t newline \\n cr \\r e-acute \\u00e9 '
        'emoji \\ud83d\\ude00 nul \\u0000 </script>"}}',
    ),
    (
        "100-kib",
        "1705319400",
        "whd_big",
        {
            "prefix": '{"id":"whd_big","type":"event.batch.created","tenantId":"tenant-001","data":{"blob":"',
            "unit": "abcdefghijklmnopqrstuvwxyz0123456789-_",
            "suffix": '"}}',
            "length": 100 * 1024,
        },
    ),
]

PALO_BODIES = [
    (
        "compact",
        "evt_01HXCOMPACT",
        1771497000,
        '{"event_id":"evt_01HXCOMPACT","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z",'
        '"organization_id":"org_1","data":{"ticket_id":"TKT-00512","title":"Printer","priority":"p3"}}',
    ),
    (
        "spaces-newlines-key-order",
        "evt_01HXSPACED",
        1771497000 + 5 * 60,
        '{\n  "data": {"ticket_id": "TKT-00512", "resolution_time_hours": 2.5},\n'
        '  "organization_id" : "org_1",\n  "timestamp": "2026-02-19T11:30:00+01:00",\n'
        '\t"event_type": "ticket.resolved",\n  "event_id": "evt_01HXSPACED"\n}\n',
    ),
    (
        "unicode",
        "evt_01HXUNICODE",
        1771497000 + 30 * 60,
        '{"event_id":"evt_01HXUNICODE","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00.250Z",'
        '"organization_id":"org_é","data":{"ticket_id":"TKT-1","title":"Réseau coupé à l\'étage é"}}',
    ),
    (
        "escaped-characters",
        "evt_01HXESCAPED",
        1771497000 + 2 * 3600,
        '{"event_id":"evt_01HXESCAPED","event_type":"system.incident","timestamp":"2026-02-19T05:30:00-05:00",'
        '"organization_id":"org_1","data":{"incident_id":"INC-001","severity":"critical",'
        '"status":"a \\"quoted\\" \\\\ path \\/ tab\\t nl\\n \\u00e9 \\ud83d\\ude00"}}',
    ),
    (
        "100-kib",
        "evt_01HXBIG",
        1771497000 + 6 * 3600,
        {
            "prefix": '{"event_id":"evt_01HXBIG","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z",'
            '"organization_id":"org_1","data":{"blob":"',
            "unit": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.",
            "suffix": '"}}',
            "length": 100 * 1024,
        },
    ),
]


def body_fields(body):
    if isinstance(body, dict):
        return {"body": None, "body_generator": body}, expand(body)
    return {"body": body, "body_generator": None}, body


def vectors() -> dict:
    out = []
    for name, timestamp, delivery_id, body in AUDIT_TRAIL_BODIES:
        fields, text = body_fields(body)
        out.append(
            {
                "name": f"audit-trail/{name}",
                "scheme": "audit-trail",
                "secret": AUDIT_TRAIL_SECRET,
                "timestamp": timestamp,
                "id": delivery_id,
                "now": int(timestamp) + 30,
                **fields,
                "signature": audit_trail_signature(AUDIT_TRAIL_SECRET, timestamp, text),
            }
        )
    for name, event_id, now, body in PALO_BODIES:
        fields, text = body_fields(body)
        out.append(
            {
                "name": f"palo/{name}",
                "scheme": "palo",
                "secret": PALO_SECRET,
                "timestamp": None,
                "id": event_id,
                "now": now,
                **fields,
                "signature": palo_signature(PALO_SECRET, text.encode()),
            }
        )
    return {
        "comment": "Generated by tests/vectors/generate.py with the providers' reference HMAC verifiers; do not edit.",
        "vectors": out,
    }


def render() -> str:
    return json.dumps(vectors(), indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv) -> int:
    text = render()
    if argv[1:] == ["--check"]:
        try:
            with open(OUT, encoding="utf-8") as f:
                committed = f.read()
        except FileNotFoundError:
            print(f"{OUT} is missing: run python3 tests/vectors/generate.py", file=sys.stderr)
            return 1
        if committed != text:
            print(f"{OUT} differs from what generate.py computes: run python3 tests/vectors/generate.py", file=sys.stderr)
            return 1
        print(f"{OUT}: {len(vectors()['vectors'])} vectors up to date")
        return 0
    if argv[1:]:
        print("usage: generate.py [--check]", file=sys.stderr)
        return 2
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
