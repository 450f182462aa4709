#!/usr/bin/env python3
"""Runs a real Home Assistant (2024.3.3), set up with no human, as an MQTT client of a TLS broker.

Run it with the venv's python (scripts/lib/home-assistant-venv.sh: ensure_home_assistant_venv
exports HEARTH_HA_PYTHON):

    home_assistant.py run --config-dir DIR --http-port P --broker-port N \
        --ca CA.pem --cert CERT.pem --key KEY.pem [--broker-host 127.0.0.1] \
        [--protocol 3.1.1|5] [--client-id ID] [--max-seconds 600] [--start-timeout 300] \
        [--wait-mqtt SECONDS] [--mqtt-debug] [--allow-pip] [--no-die-with-parent]

  Writes into DIR (created; an existing .storage is replaced) a configuration.yaml (http on
  127.0.0.1:P, api, logger), the .storage files of a finished onboarding, an owner user with a
  long-lived access token, and the MQTT config entry (the broker, with the CA, client
  certificate and key stored as PEM text in the entry, as HA's config flow stores uploads). Then
  starts `python -m homeassistant -c DIR` as a child, waits until GET /api/ answers 200 with the
  token, prints ONE JSON line on stdout

      {"url": "http://127.0.0.1:P", "token": "...", "pid": N, "mqtt_connected": true|null}

  and stays until it gets SIGTERM/SIGINT, its parent dies, HA exits, or --max-seconds pass; then
  it stops HA (SIGTERM to its process group, SIGKILL after 15 s). HA logs to DIR/home-assistant.log
  (its console to DIR/home-assistant.console.log; a previous run's log is moved to .log.1). HA is started with PIP_NO_INDEX=1 (unless
  --allow-pip), so a requirement missing from the venv fails at once instead of reaching the
  network; TMPDIR is DIR/tmp, since HA writes the entry's certificates to
  $TMPDIR/home-assistant-mqtt/ and two instances must not share that folder.
  --wait-mqtt S: after the API answers, wait up to S seconds for "Connected to MQTT server" in
  the log; mqtt_connected is then true or false (null when not waited for).
  Exit status: 0 when stopped by a signal or --max-seconds, 1 when HA did not come up or exited.

    home_assistant.py states --url U --token T [--entity E]     GET /api/states[/E], JSON
    home_assistant.py call --url U --token T --domain D --service S [--entity E] [--data JSON]
    home_assistant.py wait-state --url U --token T --entity E (--state S | --absent)
                                 [--timeout 30]                  exit 1 on timeout

A state of "unavailable" (and "unknown" before any state arrived) is what HA shows for an entity
whose availability topic said the payload_not_available ("offline"), or when the MQTT client is
disconnected; an entity removed by an empty retained discovery config is absent from /api/states.
"""

import argparse
import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

PR_SET_PDEATHSIG = 1
TEN_YEARS = 10 * 365 * 24 * 3600


def _pdeathsig(sig):
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except OSError:
        pass


def _now_iso():
    return datetime.now(timezone.utc).isoformat()


def _store(path, key, version, data, minor_version=1):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": version, "minor_version": minor_version, "key": key, "data": data}, f, indent=2)
    os.chmod(path, 0o600)


def mint_access_token(refresh_token_id, jwt_key, lifetime=TEN_YEARS):
    """The JWT HA's AuthManager.async_create_access_token makes: HS256 over iss/iat/exp."""
    import jwt  # PyJWT, a dependency of homeassistant

    now = int(time.time())
    return jwt.encode({"iss": refresh_token_id, "iat": now, "exp": now + lifetime}, jwt_key, algorithm="HS256")


def write_config(args):
    """configuration.yaml and .storage for an onboarded HA with an MQTT entry; returns the token."""
    d = os.path.abspath(args.config_dir)
    os.makedirs(d, exist_ok=True)
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    storage = os.path.join(d, ".storage")
    shutil.rmtree(storage, ignore_errors=True)
    # The previous run's log becomes home-assistant.log.1 now (HA would do it at start, but the
    # harness reads the log for failures before that).
    log = os.path.join(d, "home-assistant.log")
    if os.path.exists(log):
        os.replace(log, log + ".1")
    mqtt_level = "debug" if args.mqtt_debug else "info"
    with open(os.path.join(d, "configuration.yaml"), "w", encoding="utf-8") as f:
        f.write(
            f"""# Written by scripts/test-tools/home_assistant.py
homeassistant:
  name: Hearth test
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: DE
http:
  server_host: 127.0.0.1
  server_port: {args.http_port}
api:
logger:
  default: warning
  logs:
    homeassistant.components.mqtt: {mqtt_level}
    homeassistant.bootstrap: info
    homeassistant.setup: info
    homeassistant.util.package: info
    paho.mqtt.client: {"debug" if args.mqtt_debug else "warning"}
"""
        )

    user_id = uuid.uuid4().hex
    rt_id = uuid.uuid4().hex
    jwt_key = secrets.token_hex(64)
    _store(
        os.path.join(storage, "auth"),
        "auth",
        1,
        {
            "users": [
                {
                    "id": user_id,
                    "group_ids": ["system-admin"],
                    "is_owner": True,
                    "is_active": True,
                    "name": "Hearth test",
                    "system_generated": False,
                    "local_only": False,
                }
            ],
            "groups": [
                {"id": "system-admin", "name": "Administrators"},
                {"id": "system-users", "name": "Users"},
                {"id": "system-read-only", "name": "Read Only"},
            ],
            "credentials": [],
            "refresh_tokens": [
                {
                    "id": rt_id,
                    "user_id": user_id,
                    "client_id": None,
                    "client_name": "hearth-test",
                    "client_icon": None,
                    "token_type": "long_lived_access_token",
                    "created_at": _now_iso(),
                    "access_token_expiration": float(TEN_YEARS),
                    "token": secrets.token_hex(64),
                    "jwt_key": jwt_key,
                    "last_used_at": None,
                    "last_used_ip": None,
                    "expire_at": None,
                    "credential_id": None,
                    "version": "2024.3.3",
                }
            ],
        },
    )
    _store(os.path.join(storage, "onboarding"), "onboarding", 4,
           {"done": ["user", "core_config", "analytics", "integration"]})

    def pem(path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    entry_data = {
        "broker": args.broker_host,
        "port": args.broker_port,
        "protocol": args.protocol,
        "transport": "tcp",
        # HA's config flow reads uploaded files and stores their PEM text in the entry; at setup
        # it writes them to $TMPDIR/home-assistant-mqtt/{certificate,client_cert,client_key}.
        "certificate": pem(args.ca),
        "client_cert": pem(args.cert),
        "client_key": pem(args.key),
        "tls_insecure": False,
        "discovery": True,
    }
    if args.client_id:
        entry_data["client_id"] = args.client_id
    _store(
        os.path.join(storage, "core.config_entries"),
        "core.config_entries",
        1,
        {
            "entries": [
                {
                    "entry_id": uuid.uuid4().hex,
                    "version": 1,
                    "minor_version": 1,
                    "domain": "mqtt",
                    "title": args.broker_host,
                    "data": entry_data,
                    "options": {},
                    "pref_disable_new_entities": False,
                    "pref_disable_polling": False,
                    "source": "user",
                    "unique_id": None,
                    "disabled_by": None,
                }
            ]
        },
    )
    return mint_access_token(rt_id, jwt_key)


def _request(method, url, token, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _log_has(path, needle, offset=0):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return needle.encode() in f.read()
    except OSError:
        return False


def cmd_run(args):
    if args.die_with_parent:
        _pdeathsig(signal.SIGTERM)
    token = write_config(args)
    d = os.path.abspath(args.config_dir)
    log_path = os.path.join(d, "home-assistant.log")
    url = f"http://127.0.0.1:{args.http_port}"
    env = dict(os.environ)
    env["TMPDIR"] = os.path.join(d, "tmp")
    if not args.allow_pip:
        env["PIP_NO_INDEX"] = "1"
        env.pop("PIP_FIND_LINKS", None)
    console = open(os.path.join(d, "home-assistant.console.log"), "ab")

    def preexec():
        os.setsid()  # its own process group, so that its children go with it
        _pdeathsig(signal.SIGKILL)  # the harness gone (even by SIGKILL): HA goes

    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "homeassistant", "-c", d, "--log-file", log_path, "--log-no-color"],
        stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT, env=env,
        preexec_fn=preexec, close_fds=True,
    )

    stopping = {"why": None}

    def on_signal(signum, _frame):
        stopping["why"] = signal.Signals(signum).name

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    def stop(status):
        if child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                child.wait(timeout=args.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(child.pid, signal.SIGKILL)  # HA and anything it left in its group
        except (ProcessLookupError, PermissionError):
            pass
        child.wait()
        sys.exit(status)

    deadline = started + args.max_seconds

    def fail(msg):
        sys.stderr.write(f"home_assistant.py: {msg}; see {log_path}\n")
        try:
            with open(log_path, "rb") as f:
                tail = f.read()[-4000:].decode(errors="replace")
            sys.stderr.write(tail + "\n")
        except OSError:
            pass
        stop(1)

    # 1. The API answers with our token.
    ready_by = started + args.start_timeout
    while True:
        if stopping["why"]:
            stop(0)
        if child.poll() is not None:
            fail(f"Home Assistant exited with {child.returncode} before its API answered")
        if _log_has(log_path, "core failed to initialize") or _log_has(log_path, "Activating recovery mode"):
            fail("Home Assistant's core failed to initialize (a requirement missing from the venv?)")
        if time.monotonic() > min(ready_by, deadline):
            fail(f"the API did not answer 200 within {args.start_timeout}s")
        try:
            status, _ = _request("GET", url + "/api/", token, timeout=2)
            if status == 200:
                break
            if status in (401, 403):
                fail(f"the API refused the token ({status})")
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.25)
    api_seconds = time.monotonic() - started

    # 2. Optionally, the MQTT client connected.
    mqtt_connected = None
    if args.wait_mqtt:
        until = time.monotonic() + args.wait_mqtt
        mqtt_connected = False
        while time.monotonic() < until and not stopping["why"] and child.poll() is None:
            if _log_has(log_path, "Connected to MQTT server"):
                mqtt_connected = True
                break
            time.sleep(0.2)
    if _log_has(log_path, "Unable to install package"):
        sys.stderr.write("home_assistant.py: HA tried to pip-install a package (missing from the venv); "
                         f"see {log_path}\n")

    print(json.dumps({"url": url, "token": token, "pid": child.pid, "mqtt_connected": mqtt_connected,
                      "api_seconds": round(api_seconds, 2), "log": log_path}), flush=True)

    while True:
        if stopping["why"]:
            stop(0)
        if child.poll() is not None:
            fail(f"Home Assistant exited with {child.returncode}")
        if time.monotonic() > deadline:
            sys.stderr.write(f"home_assistant.py: --max-seconds {args.max_seconds} passed; stopping\n")
            stop(0)
        time.sleep(0.2)


def cmd_states(args):
    path = "/api/states" + (f"/{args.entity}" if args.entity else "")
    status, body = _request("GET", args.url + path, args.token)
    sys.stdout.write(body.decode() + "\n")
    return 0 if status == 200 else 1


def cmd_call(args):
    data = json.loads(args.data) if args.data else {}
    if args.entity:
        data["entity_id"] = args.entity
    status, body = _request("POST", f"{args.url}/api/services/{args.domain}/{args.service}", args.token, data)
    sys.stdout.write(body.decode() + "\n")
    return 0 if status == 200 else 1


def cmd_wait_state(args):
    until = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < until:
        status, body = _request("GET", f"{args.url}/api/states/{args.entity}", args.token)
        if args.absent and status == 404:
            print(json.dumps({"entity_id": args.entity, "absent": True}))
            return 0
        if status == 200:
            last = json.loads(body)
            if not args.absent and last.get("state") == args.state:
                print(json.dumps(last))
                return 0
        time.sleep(0.2)
    sys.stderr.write(f"wait-state: {args.entity} is not {'absent' if args.absent else args.state!r} "
                     f"after {args.timeout}s; last: {json.dumps(last)}\n")
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--config-dir", required=True)
    r.add_argument("--http-port", type=int, required=True)
    r.add_argument("--broker-host", default="127.0.0.1")
    r.add_argument("--broker-port", type=int, required=True)
    r.add_argument("--ca", required=True)
    r.add_argument("--cert", required=True)
    r.add_argument("--key", required=True)
    r.add_argument("--protocol", choices=["3.1", "3.1.1", "5"], default="3.1.1")
    r.add_argument("--client-id", default=None, help="default: HA's own, 22 random base62 characters")
    r.add_argument("--max-seconds", type=float, default=600)
    r.add_argument("--start-timeout", type=float, default=300)
    r.add_argument("--stop-timeout", type=float, default=15)
    r.add_argument("--wait-mqtt", type=float, default=0)
    r.add_argument("--mqtt-debug", action="store_true", help="log MQTT and paho at debug")
    r.add_argument("--allow-pip", action="store_true", help="let HA pip-install missing requirements")
    r.add_argument("--no-die-with-parent", dest="die_with_parent", action="store_false")
    for name in ("states", "call", "wait-state"):
        s = sub.add_parser(name)
        s.add_argument("--url", required=True)
        s.add_argument("--token", required=True)
        if name == "states":
            s.add_argument("--entity")
        elif name == "call":
            s.add_argument("--domain", required=True)
            s.add_argument("--service", required=True)
            s.add_argument("--entity")
            s.add_argument("--data")
        else:
            s.add_argument("--entity", required=True)
            g = s.add_mutually_exclusive_group(required=True)
            g.add_argument("--state")
            g.add_argument("--absent", action="store_true")
            s.add_argument("--timeout", type=float, default=30)
    args = p.parse_args()
    if args.cmd == "run":
        cmd_run(args)
    return {"states": cmd_states, "call": cmd_call, "wait-state": cmd_wait_state}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
