"""schemathesis hooks for scripts/api-contract: the owner's session, and the check that a refused
request changes nothing in the database.

Read from the environment (scripts/api-contract sets them):
  HEARTH_CONTRACT_URL       https://127.0.0.1:PORT
  HEARTH_CONTRACT_CA        the hub's root certificate (DATA/ca-root.pem)
  HEARTH_CONTRACT_DB        DATA/hearth.sqlite, opened read-only (the hub runs SQLite in WAL mode)
  HEARTH_CONTRACT_TOKEN     the owner's session token, from the script's sign-in with curl
  HEARTH_CONTRACT_EMAIL / HEARTH_CONTRACT_PASSWORD / HEARTH_CONTRACT_COOKIE
                            to sign in again after schemathesis calls DELETE /v1/session
  HEARTH_CONTRACT_MEMBER_EMAIL / HEARTH_CONTRACT_MEMBER_PASSWORD
                            the seeded member, who hands ownership back when it was handed to them
"""
import hashlib
import json
import os
import sqlite3
import ssl
import urllib.error
import urllib.request

import schemathesis

URL = os.environ["HEARTH_CONTRACT_URL"]
CA = os.environ["HEARTH_CONTRACT_CA"]
DB = os.environ["HEARTH_CONTRACT_DB"]

# Tables a refused request may write, each for a reason the hub documents:
EXCLUDED_TABLES = {
    # A refusal is itself audited (a failed sign-in, a forbidden call, a wrong second-factor code):
    # the entry, its Merkle tree nodes and head. Checkpoints are signed on a timer, not per request.
    "audit_entries": "refusals are audited (docs/audit.md)",
    "audit_nodes": "the audit entry's Merkle tree nodes",
    "audit_head": "the audit log's head moves with each entry",
    "audit_checkpoints": "the checkpointer signs on its own schedule",
    # Failed sign-ins (POST /v1/session, /v1/recovery, /v1/invitations/accept with a wrong password
    # or code) are counted to back the account and the source off (docs/oauth.md, "Sign-in throttling").
    "sign_in_failures": "failed sign-ins are counted for the back-off",
    # Detection (docs/detection.md, "Brute force"): refused credentials — a missing or wrong bearer
    # token, a wrong password or code — are counted per source and per target, and past the
    # threshold raise an alert (hub-wide for the source; loopback is alerted on, never blocked). A
    # raised alert is posted to a webhook if one is set.
    "alerts": "brute-force detection raises alerts from refused credentials",
    "webhook_deliveries": "an alert raised by detection is queued for the webhook",
    # The broker's own state, changed by live MQTT sessions, never by an HTTP request.
    "mqtt_sessions": "the broker's, not the API's",
    "mqtt_queued": "the broker's, not the API's",
    "mqtt_retained": "the broker's, not the API's",
    # CRLs after routine rotations are republished by a timer (every 30 s, docs/pki.md), which
    # may sign one between a refused call's two digests; revocations themselves are compared.
    "ca_crls": "the CRL refresh signs on its own schedule",
    # Each node renews its leases every 2 s (docs/scale-out.md), whatever the requests.
    "leases": "the node renews its leases on its own schedule",
    # The device authorization endpoint's limit takes from a bucket per address for every request,
    # refused ones included (docs/oauth.md).
    "request_buckets": "every device authorization request takes from its address's bucket",
}
# Columns a refused request may write in a table that is otherwise compared.
EXCLUDED_COLUMNS = {
    # Every authenticated call slides the session's idle deadline, also one the route then refuses
    # (a 404 or a 422 comes after the caller was identified).
    "sessions": {"idle_until"},
    # Each CRL the refresh signs takes the authority's next CRL number.
    "ca_authorities": {"crl_number"},
}


def digest():
    """Each compared table's rows (sorted), hashed."""
    connection = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        result = {}
        for table in tables:
            if table in EXCLUDED_TABLES:
                continue
            # Table and column names come from sqlite_master, never from a request.
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')
                       if row[1] not in EXCLUDED_COLUMNS.get(table, set())]
            selected = ", ".join(f'"{c}"' for c in columns)
            rows = sorted(repr(row) for row in connection.execute(f'SELECT {selected} FROM "{table}"'))
            result[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return result
    finally:
        connection.close()


def token_works(token):
    """Whether the owner's session still stands (GET /v1/me answers 200)."""
    try:
        call("GET", "/v1/me", token=token)
        return True
    except urllib.error.HTTPError as error:
        if error.code == 401:
            return False
        raise


def call(method, path, token=None, body=None):
    context = ssl.create_default_context(cafile=CA)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(URL + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def sign_in(email=None, password=None):
    body = {"email": email or os.environ["HEARTH_CONTRACT_EMAIL"],
            "password": password or os.environ["HEARTH_CONTRACT_PASSWORD"]}
    if email is None:
        body["device_cookie"] = os.environ.get("HEARTH_CONTRACT_COOKIE")
    return call("POST", "/v1/session", body=body)["token"]


def hand_ownership_back(new_owner_id):
    """After schemathesis handed the household to the seeded member (the only other person whose
    password the run knows), the member hands it back, so the run goes on as an owner. Returns the
    run's new session (the handovers ended the old one), signed in before the handover back."""
    member = sign_in(os.environ["HEARTH_CONTRACT_MEMBER_EMAIL"], os.environ["HEARTH_CONTRACT_MEMBER_PASSWORD"])
    if call("GET", "/v1/me", token=member)["person"]["id"] != new_owner_id:
        raise AssertionError(f"ownership went to {new_owner_id}, whom the run cannot sign in as")
    owner = sign_in()
    owner_id = call("GET", "/v1/me", token=owner)["person"]["id"]
    call("POST", f"/v1/people/{owner_id}/ownership", token=member, body={})
    return owner


@schemathesis.serializer("application/ocsp-request")
def ocsp_request(ctx, value):
    """An OCSP request is DER bytes (RFC 6960 appendix A.1), sent as generated."""
    if isinstance(value, bytes):
        return value
    return str(value).encode()


class _State:
    token = os.environ["HEARTH_CONTRACT_TOKEN"]
    ended = False
    before = None


@schemathesis.auth(refresh_interval=None, retry_on=[])
class OwnerSession:
    """The owner's bearer token on every call; a fresh one once schemathesis has ended the session
    (DELETE /v1/session answers 204 and the token stops working, as it should)."""

    def get(self, case, ctx):
        return _State.token

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(ctx, case, kwargs):
    _State.before = digest()


@schemathesis.hook
def after_call(ctx, case, response):
    if case.method.upper() == "POST" and case.path == "/v1/people/{id}/ownership" and response.status_code == 204:
        _State.token = hand_ownership_back(case.path_parameters["id"])
    elif case.method.upper() == "DELETE" and case.path == "/v1/session" and response.status_code == 204:
        _State.ended = True
    elif case.method.upper() != "GET" and 200 <= response.status_code < 300 and not token_works(_State.token):
        # A change that ends the owner's sessions on purpose (a role change, an ownership
        # transfer, recovery codes used…): the run goes on as the owner, signed in again.
        _State.ended = True
    if _State.ended:
        # Signed in again only after the call, so the sign-in is never between a refused call's two digests.
        _State.token = sign_in()
        _State.ended = False


@schemathesis.check
def refusal_changes_nothing(ctx, response, case):
    """A 4xx answer leaves every compared table as it was before the call."""
    if not 400 <= response.status_code < 500 or _State.before is None:
        return None
    after = digest()
    changed = sorted(t for t in set(_State.before) | set(after) if _State.before.get(t) != after.get(t))
    if changed:
        raise AssertionError(
            f"{case.method.upper()} {case.path} was refused with {response.status_code} but changed the tables: {', '.join(changed)}")
    return None
