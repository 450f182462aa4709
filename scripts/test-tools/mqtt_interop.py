#!/usr/bin/env python3
"""Drives a running Hearth hub's MQTT broker with Eclipse Paho and with raw TLS sockets.

    mqtt_interop.py flows CONFIG.json     run the flows; print a JSON report; exit 1 on the first failure
    mqtt_interop.py wait CONFIG.json      connect one client, then wait to be cut off (JSON lines)
    mqtt_interop.py garbage CONFIG.json   malformed and mutated MQTT over TLS (seeded); JSON report
    mqtt_interop.py idle CONFIG.json      CONNECT then silence, TLS or TCP without CONNECT: when each is closed
    mqtt_interop.py pipelined CONFIG.json last PUBLISHes and DISCONNECT in one write, closed at once; what arrived
    mqtt_interop.py mqtt5 CONFIG.json     MQTT 5 features, one check each; JSON report; exit 1 if any failed
    mqtt_interop.py possession CONFIG.json  commands to a lock: bearer, DPoP and certificate-bound apps
    mqtt_interop.py hold CONFIG.json      an unusual command to a lock, held until approved (JSON lines)

CONFIG is a JSON object:

    {"host": "127.0.0.1", "port": 8883, "ca": "ca-root.pem",
     "clients": {"lamp": {"cert": "lamp.pem", "key": "lamp.key", "id": "<device id>"},
                 "switch": {...}, "app": {"token": "<access token>"}},
     ...}

Devices connect with their certificate and their device id as client identifier; apps with no
certificate and the access token as the password. A client with a "port" of its own connects
there instead (several hub nodes: mqtt_cluster.py). Flows (key "flows", default all):
`qos` (QoS 0, 1, 2 both ways, MQTT 3.1.1 and 5), `retained`, `will`, `persistent` — they need the
clients "lamp" and "switch" (devices of the lighting zone) and "app" (devices:read).

`wait` keys: "client", "protocol" (4 or 5), "subscribe" (optional filter), "timeout" (seconds).
It prints {"event": "connected", "time": T} once the CONNACK (and SUBACK) arrived, then
{"event": "disconnected", "time": T, "reason_code": N, "reason": "..."}, T being time.time() in
the on_disconnect callback — or {"event": "timeout"} — and exits.

`garbage` keys: "client" (a device), "app" (optional, an app client: CONNECT-based cases then use
unique app sessions, so that no case takes another's session over), "seed", "count",
"deadline" (seconds a connection may stay open after the last bytes were sent: the connect
timeout or one and a half keep-alives of 2 s, plus a margin), "prompt" (seconds within which
plainly malformed input must be closed).

`idle` keys: "client" and "second_client" (devices: the two keep-alive cases run at once, and
one device has one session), "keepalive" (seconds), "deadline" (seconds to wait for a close),
"cases" (optional: which of them to run).

`pipelined` keys: "rounds", "count"; clients "lamp", "switch" (lighting devices) and "app"
(devices:read).

`possession` keys: "broker_url" (the htu of a CONNECT's DPoP proof); clients "lock" (a device of
the security zone), "bearer" (a plain bearer token with devices:control:security), "dpop" (a
DPoP-bound token and "dpop_key", the PEM of its P-256 key) and "certificate" (a token bound to the
certificate "cert"/"key" it connects with). Each app connects over MQTT 5 and commands the lock;
then wrong proofs are tried. The report maps each case to its CONNACK, PUBACK and whether the lock
heard the command. DPoP proofs are made with joserfc, not by Hearth's code.

`hold` keys: as `possession` (clients "lock" and "dpop", "broker_url"), and "wait" (seconds). The
DPoP app, which never commanded the lock, commands it: JSON lines {"event": "held", "puback": N}
after its PUBACK, then {"event": "delivered", "time": T} once the lock hears the command (an owner
approves it meanwhile) or {"event": "not-delivered"}; then a second command, which the app may now
send unheld: {"event": "second", "puback": N, "heard": true|false}.

`mqtt5` keys: "checks" (optional: which to run, default all); clients "lamp", "switch" (lighting
devices) and "app" (devices:read). Every check runs, also after one failed; the report's
"checks" maps each name to {"status": "ok" | "failed" | "skipped", "failure" or "reason", and what
was measured} — see MQTT5_CHECKS.

Written for paho-mqtt 2.x (CallbackAPIVersion.VERSION2); paho-mqtt 1.6's callback signatures
are accepted too.
"""
import json
import random
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

try:
    import paho.mqtt
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
except ImportError as error:  # pragma: no cover - a setup problem, said plainly
    print(json.dumps({"failed": f"paho-mqtt is not installed ({error}); run scripts/test or pip install paho-mqtt"}))
    sys.exit(3)

PAHO_V2 = hasattr(mqtt, "CallbackAPIVersion")
paho_version = getattr(paho.mqtt, "__version__", "?")
if not PAHO_V2 and not paho_version.startswith("1.6"):
    print(json.dumps({"failed": f"paho-mqtt {paho_version} is too old: 2.x (or 1.6) is needed; run scripts/test"}))
    sys.exit(3)
# Generous: CI runs every suite at once on two cores.
TIMEOUT = 15

report = {}


class CheckFailed(Exception):
    """A failed check in a mode that reports each check on its own (mqtt5) instead of exiting."""


class CheckSkipped(Exception):
    pass


# Set by the mqtt5 mode: check() then raises CheckFailed instead of printing the report and exiting.
raise_on_failure = False


def fail(message):
    if raise_on_failure:
        raise CheckFailed(message)
    print(json.dumps({"failed": message, "report": report}, indent=2), flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def code_of(value):
    """An int from a paho 2 ReasonCode, a paho 1.6 ReasonCodes or a plain int."""
    return int(getattr(value, "value", value))


def protocol_of(number):
    return {4: mqtt.MQTTv311, 5: mqtt.MQTTv5}[int(number)]


def label_of(protocol):
    return "v5" if protocol == mqtt.MQTTv5 else "v311"


# --- paho peers ---------------------------------------------------------------------------


class Message:
    def __init__(self, message):
        self.topic = message.topic
        self.payload = bytes(message.payload)
        self.qos = message.qos
        self.retain = bool(message.retain)
        # MQTT 5 properties (None in 3.1.1), the packet id (for manual acknowledgement), arrival time.
        self.properties = getattr(message, "properties", None)
        self.mid = message.mid
        self.at = time.time()

    def __repr__(self):
        return f"{self.topic} q{self.qos} r{int(self.retain)} {self.payload!r}"


class Peer:
    """One paho client, its network loop on paho's thread (no automatic reconnection: a closed
    connection stays closed), recording every CONNACK, message, acknowledgement, SUBACK and
    disconnection."""

    def __init__(self, config, name, protocol, clean=True, expiry=None, will=None, keepalive=30, client_id=None):
        spec = config["clients"][name]
        self.config, self.name, self.protocol = config, name, protocol
        self.clean, self.expiry, self.keepalive = clean, expiry, keepalive
        identifier = spec.get("id", "") if client_id is None else client_id
        kwargs = {"client_id": identifier, "protocol": protocol, "reconnect_on_failure": False}
        if protocol == mqtt.MQTTv311:
            kwargs["clean_session"] = clean
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, **kwargs) if PAHO_V2 else mqtt.Client(**kwargs)
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=config["ca"])
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if "cert" in spec:
            context.load_cert_chain(spec["cert"], spec["key"])
        self.client.tls_set_context(context)
        if "token" in spec:
            self.client.username_pw_set("app", spec["token"])
        if will:
            self.client.will_set(will["topic"], will["payload"], qos=will.get("qos", 1), retain=will.get("retain", False))
        self.changed = threading.Condition()
        self.connacks, self.messages, self.disconnects = [], [], []
        self.acks, self.subacks = {}, {}
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.looping = False

    # Callbacks: paho 2 (VERSION2) and paho 1.6 differ in arity; the optional parameters absorb it.
    def _on_connect(self, client, userdata, flags, reason_code, properties=None):
        present = flags.session_present if hasattr(flags, "session_present") else bool(flags.get("session present"))
        self._record(lambda: self.connacks.append((code_of(reason_code), bool(present))))

    def _on_message(self, client, userdata, message):
        received = Message(message)
        self._record(lambda: self.messages.append(received))

    def _on_publish(self, client, userdata, mid, reason_code=0, properties=None):
        self._record(lambda: self.acks.__setitem__(mid, code_of(reason_code)))

    def _on_subscribe(self, client, userdata, mid, codes, properties=None):
        self._record(lambda: self.subacks.__setitem__(mid, [code_of(c) for c in codes]))

    def _on_disconnect(self, client, userdata, *rest):
        at = time.time()
        # paho 2: (flags, reason_code, properties); paho 1.6: (rc) or (reasonCode, properties).
        reason = rest[1] if PAHO_V2 else rest[0]
        self._record(lambda: self.disconnects.append((at, code_of(reason), str(reason))))

    def _record(self, change):
        with self.changed:
            change()
            self.changed.notify_all()

    def wait(self, probe, what, timeout=TIMEOUT):
        with self.changed:
            found = self.changed.wait_for(probe, timeout)
        check(found, f"{self.name} ({label_of(self.protocol)}): no {what} within {timeout} s")
        return found

    def connect(self, authentication=None):
        """Connects and returns (CONNACK code, session present). `authentication`: MQTT 5
        enhanced authentication for the CONNECT, a (method, data) pair."""
        kwargs = {}
        if self.protocol == mqtt.MQTTv5:
            kwargs["clean_start"] = self.clean
            properties = Properties(PacketTypes.CONNECT)
            if self.expiry is not None:
                properties.SessionExpiryInterval = self.expiry
            if authentication is not None:
                properties.AuthenticationMethod, properties.AuthenticationData = authentication
            if self.expiry is not None or authentication is not None:
                kwargs["properties"] = properties
        port = self.config["clients"][self.name].get("port", self.config.get("port"))
        self.client.connect(self.config.get("host", "127.0.0.1"), int(port), self.keepalive, **kwargs)
        self.client.loop_start()
        self.looping = True
        return self.wait(lambda: self.connacks[-1] if self.connacks else None, "CONNACK")

    def connected(self):
        code, present = self.connect()
        check(code == 0, f"{self.name} ({label_of(self.protocol)}): CONNACK {code}")
        return present

    def subscribe(self, topic, qos):
        result, mid = self.client.subscribe(topic, qos)
        check(result == mqtt.MQTT_ERR_SUCCESS, f"{self.name}: SUBSCRIBE {topic} not sent ({result})")
        return self.wait(lambda: self.subacks.get(mid), f"SUBACK for {topic}")

    def publish(self, topic, payload, qos, retain=False):
        """Publishes; for QoS 1 and 2 waits for the PUBACK / PUBCOMP and returns its reason code."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        check(info.rc == mqtt.MQTT_ERR_SUCCESS, f"{self.name}: PUBLISH {topic} not sent ({info.rc})")
        self.wait(lambda: info.mid in self.acks, f"acknowledgement of {topic} q{qos}")
        return self.acks[info.mid]

    def wait_message(self, probe, what, timeout=TIMEOUT):
        return self.wait(lambda: next((m for m in self.messages if probe(m)), None), what, timeout)

    def matching(self, probe):
        with self.changed:
            return [m for m in self.messages if probe(m)]

    def disconnect(self):
        self.client.disconnect()
        self.wait(lambda: self.disconnects or None, "disconnection")
        self._stop()

    def close_abruptly(self):
        """Stops the network loop, then closes the socket: no DISCONNECT, no TLS close_notify."""
        self._stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def _stop(self):
        if self.looping:
            self.looping = False
            self.client.loop_stop()


def token():
    return uuid.uuid4().hex[:12]


def flow_qos(config, protocol):
    """QoS 0, 1 and 2 both ways: a switch commands a lamp (device to device), the lamp reports
    its state to an app; each message arrives once, at the QoS it was sent with."""
    label = label_of(protocol)
    lamp_id = config["clients"]["lamp"]["id"]
    lamp = Peer(config, "lamp", protocol)
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 2) == [2], f"{label}: the lamp's own commands at QoS 2")
    app = Peer(config, "app", protocol)
    app.connected()
    check(app.subscribe("devices/+/state", 2) == [2], f"{label}: the app's devices/+/state at QoS 2")
    switch = Peer(config, "switch", protocol)
    switch.connected()
    sent = []
    for qos in (0, 1, 2):
        command = f"cmd-{label}-q{qos}-{token()}".encode()
        code = switch.publish(f"devices/{lamp_id}/cmd/power", command, qos)
        check(qos == 0 or code == 0, f"{label}: the switch's command at QoS {qos} acknowledged with {code}")
        got = lamp.wait_message(lambda m: m.payload == command, f"command at QoS {qos}")
        check(got.qos == qos and got.topic == f"devices/{lamp_id}/cmd/power", f"{label}: {got}")
        state = f"state-{label}-q{qos}-{token()}".encode()
        code = lamp.publish(f"devices/{lamp_id}/state", state, qos)
        check(qos == 0 or code == 0, f"{label}: the lamp's state at QoS {qos} acknowledged with {code}")
        got = app.wait_message(lambda m: m.payload == state, f"state at QoS {qos}")
        check(got.qos == qos and not got.retain, f"{label}: {got}")
        sent += [(lamp, command), (app, state)]
    time.sleep(0.3)
    for peer, payload in sent:
        check(len(peer.matching(lambda m: m.payload == payload)) == 1, f"{label}: {payload!r} arrived more than once")
    for peer in (switch, app, lamp):
        peer.disconnect()
    report[f"qos_{label}"] = "ok"


def flow_retained(config, protocol):
    """A retained state reaches a later subscriber with the retain flag; an empty retained
    message clears it."""
    label = label_of(protocol)
    lamp_id = config["clients"]["lamp"]["id"]
    topic = f"devices/{lamp_id}/state"
    lamp = Peer(config, "lamp", protocol)
    lamp.connected()
    state = f"retained-{label}-{token()}".encode()
    check(lamp.publish(topic, state, 1, retain=True) == 0, f"{label}: retained PUBLISH refused")
    later = Peer(config, "app", protocol)
    later.connected()
    check(later.subscribe("devices/+/state", 1) == [1], f"{label}: subscribe devices/+/state")
    got = later.wait_message(lambda m: m.topic == topic, "the retained state")
    check(got.payload == state and got.retain, f"{label}: the retained message arrived as {got}")
    later.disconnect()
    check(lamp.publish(topic, b"", 1, retain=True) == 0, f"{label}: clearing the retained state refused")
    cleared = Peer(config, "app", protocol)
    cleared.connected()
    cleared.subscribe("devices/+/state", 1)
    # Retained messages follow the SUBACK at once; a live message after them is the sentinel.
    sentinel = f"live-{label}-{token()}".encode()
    check(lamp.publish(topic, sentinel, 1) == 0, f"{label}: live state refused")
    cleared.wait_message(lambda m: m.payload == sentinel, "the live state")
    check([m.payload for m in cleared.matching(lambda m: m.topic == topic)] == [sentinel],
          f"{label}: a cleared retained message was delivered: {cleared.matching(lambda m: m.topic == topic)}")
    cleared.disconnect()
    lamp.disconnect()
    report[f"retained_{label}"] = "ok"


def flow_will(config, protocol):
    """The lamp's last will on devices/<id>/availability reaches an app when the connection drops
    without DISCONNECT — and not after a clean DISCONNECT."""
    label = label_of(protocol)
    lamp_id = config["clients"]["lamp"]["id"]
    topic = f"devices/{lamp_id}/availability"
    watcher = Peer(config, "app", protocol)
    watcher.connected()
    check(watcher.subscribe(topic, 1) == [1], f"{label}: the app subscribes to {topic}")
    offline = f"offline-{label}-{token()}".encode()
    lamp = Peer(config, "lamp", protocol, will={"topic": topic, "payload": offline, "qos": 1})
    lamp.connected()
    online = f"online-{label}-{token()}".encode()
    check(lamp.publish(topic, online, 1) == 0, f"{label}: availability refused")
    watcher.wait_message(lambda m: m.payload == online, "online")
    lamp.close_abruptly()
    closed = time.time()
    got = watcher.wait_message(lambda m: m.payload == offline, "the last will", timeout=10)
    check(got.topic == topic, f"{label}: will {got}")
    report[f"will_latency_{label}"] = round(time.time() - closed, 3)

    polite = f"polite-{label}-{token()}".encode()
    lamp = Peer(config, "lamp", protocol, will={"topic": topic, "payload": polite, "qos": 1})
    lamp.connected()
    lamp.disconnect()
    time.sleep(0.5)
    back = Peer(config, "lamp", protocol)
    back.connected()
    sentinel = f"back-{label}-{token()}".encode()
    check(back.publish(topic, sentinel, 1) == 0, f"{label}: availability refused")
    watcher.wait_message(lambda m: m.payload == sentinel, "the sentinel availability")
    back.disconnect()
    check(not watcher.matching(lambda m: m.payload == polite), f"{label}: the will was sent after a clean DISCONNECT")
    watcher.disconnect()
    report[f"will_{label}"] = "ok"


def flow_persistent(config, protocol):
    """A persistent session (3.1.1 clean session 0; 5 clean start 0 with a session expiry) keeps
    its subscription and the QoS 1 commands sent while it was offline, in order."""
    label = label_of(protocol)
    lamp_id = config["clients"]["lamp"]["id"]
    expiry = 120 if protocol == mqtt.MQTTv5 else None
    lamp = Peer(config, "lamp", protocol, clean=False, expiry=expiry)
    check(not lamp.connected(), f"{label}: a session was present before the first persistent connection")
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], f"{label}: subscribe own commands")
    lamp.disconnect()

    switch = Peer(config, "switch", protocol)
    switch.connected()
    queued = [f"queued-{label}-{n}-{token()}".encode() for n in range(3)]
    for payload in queued:
        check(switch.publish(f"devices/{lamp_id}/cmd/power", payload, 1) == 0, f"{label}: command refused")
    switch.disconnect()

    again = Peer(config, "lamp", protocol, clean=False, expiry=expiry)
    check(again.connected(), f"{label}: the session was not present on reconnection")
    for payload in queued:
        again.wait_message(lambda m: m.payload == payload, f"queued {payload!r}")
    order = [m.payload for m in again.matching(lambda m: m.payload in queued)]
    check(order == queued, f"{label}: queued messages arrived as {order}")
    check(all(m.qos == 1 for m in again.matching(lambda m: m.payload in queued)), f"{label}: QoS of queued messages")
    again.disconnect()

    fresh = Peer(config, "lamp", protocol, clean=True)
    check(not fresh.connected(), f"{label}: a clean start still found the session")
    fresh.disconnect()
    report[f"persistent_{label}"] = "ok"


FLOWS = {"qos": flow_qos, "retained": flow_retained, "will": flow_will, "persistent": flow_persistent}


def flows(config):
    report["paho"] = paho_version
    for name in config.get("flows", list(FLOWS)):
        for protocol in (mqtt.MQTTv311, mqtt.MQTTv5):
            FLOWS[name](config, protocol)
    print(json.dumps({"ok": True, "report": report}, indent=2), flush=True)


# --- wait: a session that the hub will cut off ----------------------------------------------


def emit(event):
    print(json.dumps(event), flush=True)


def wait(config):
    protocol = protocol_of(config.get("protocol", 5))
    peer = Peer(config, config["client"], protocol)
    code, _ = peer.connect()
    if code != 0:
        emit({"event": "refused", "reason_code": code})
        sys.exit(2)
    if config.get("subscribe"):
        granted = peer.subscribe(config["subscribe"], 1)
        if granted != [1]:
            emit({"event": "subscribe-refused", "codes": granted})
            sys.exit(2)
    emit({"event": "connected", "time": time.time()})
    with peer.changed:
        peer.changed.wait_for(lambda: peer.disconnects, float(config.get("timeout", 30)))
    if not peer.disconnects:
        emit({"event": "timeout"})
        sys.exit(1)
    at, code, text = peer.disconnects[0]
    emit({"event": "disconnected", "time": at, "reason_code": code, "reason": text})


# --- raw MQTT over TLS ------------------------------------------------------------------------


def vbi(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(data)) + data


def packet(first, body):
    return bytes([first]) + vbi(len(body)) + body


def connect_packet(version, client_id="", keepalive=2, username=None, password=None, clean=True,
                   name="MQTT", level=None, flags_extra=0, properties=b"", will=None):
    flags = (0x02 if clean else 0) | flags_extra
    payload = utf8(client_id)
    if will is not None:
        topic, message = will
        flags |= 0x04 | (1 << 3)  # QoS 1
        payload += (b"\x00" if version == 5 else b"") + utf8(topic) + utf8(message)
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    if username is not None:
        payload += utf8(username)
    if password is not None:
        payload += utf8(password)
    body = utf8(name) + bytes([level if level is not None else version, flags]) + struct.pack("!H", keepalive)
    if version == 5:
        body += vbi(len(properties)) + properties
    return packet(0x10, body + payload)


def publish_packet(version, topic, payload=b"x", qos=0, packet_id=1):
    body = utf8(topic) + (struct.pack("!H", packet_id) if qos else b"")
    if version == 5:
        body += b"\x00"
    return packet(0x30 | (qos << 1), body + payload)


def subscribe_packet(version, topic_filter, qos=1, packet_id=1, first=0x82):
    body = struct.pack("!H", packet_id) + (b"\x00" if version == 5 else b"") + utf8(topic_filter) + bytes([qos])
    return packet(first, body)


def unsubscribe_packet(version, topic_filter, packet_id=1):
    return packet(0xA2, struct.pack("!H", packet_id) + (b"\x00" if version == 5 else b"") + utf8(topic_filter))


PINGREQ = b"\xc0\x00"
RESERVED = b"\x00\x00"


def tls_context(config, spec):
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=config["ca"])
    if spec and "cert" in spec:
        context.load_cert_chain(spec["cert"], spec["key"])
    return context


def open_tls(config, spec):
    raw = socket.create_connection((config.get("host", "127.0.0.1"), int(config["port"])), timeout=TIMEOUT)
    return tls_context(config, spec).wrap_socket(raw, server_hostname=config.get("host", "127.0.0.1"))


def read_packet(sock, timeout):
    """One MQTT packet from the socket (first byte, body), or None when closed or out of time."""
    sock.settimeout(timeout)
    try:
        head = sock.recv(1)
        if not head:
            return None
        length, shift = 0, 0
        for _ in range(4):
            byte = sock.recv(1)
            if not byte:
                return None
            length |= (byte[0] & 0x7F) << shift
            shift += 7
            if not byte[0] & 0x80:
                break
        body = b""
        while len(body) < length:
            chunk = sock.recv(length - len(body))
            if not chunk:
                return None
            body += chunk
        return head[0], body
    except (socket.timeout, ssl.SSLError, OSError):
        return None


def wait_closed(sock, deadline):
    """Reads until the broker closes the connection: (seconds taken or None if still open at the
    deadline, what was received meanwhile)."""
    start = time.monotonic()
    received = b""
    while True:
        left = deadline - (time.monotonic() - start)
        if left <= 0:
            return None, received
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return None, received
        except (ssl.SSLError, OSError):
            return time.monotonic() - start, received
        if not chunk:
            return time.monotonic() - start, received
        received += chunk


def disconnect_reason(received, version):
    """The reason code of the MQTT 5 DISCONNECT among the packets the broker sent, if any."""
    if version != 5:
        return None
    at = 0
    while at + 1 < len(received):
        first, length, shift, at = received[at], 0, 0, at + 1
        while at < len(received):
            byte = received[at]
            at += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if first == 0xE0:
            return received[at] if length >= 1 and at < len(received) else 0
        at += length
    return None


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["flip", "byte", "insert", "delete", "truncate", "length"])
        if not data:
            data.append(rng.randrange(256))
            continue
        at = rng.randrange(len(data))
        if kind == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "byte":
            data[at] = rng.randrange(256)
        elif kind == "insert":
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == "delete":
            del data[at:at + rng.randint(1, 4)]
        elif kind == "truncate":
            del data[at:]
        elif kind == "length" and len(data) > 1:
            data[1] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    return bytes(data)


def garbage(config):
    rng = random.Random(int(config.get("seed", 1)))
    device = config["clients"][config["client"]]
    device_id = device.get("id", "")
    app = config["clients"].get(config.get("app", ""), None)
    deadline = float(config.get("deadline", 15))
    prompt = float(config.get("prompt", 2))
    count = int(config.get("count", 40))

    def identity():
        """The CONNECT of a case that should get as far as a session: a fresh app session when an
        app is configured (no case takes another's session over), else the device."""
        if app:
            return None, {"client_id": "garbage-" + token(), "username": "app", "password": app["token"]}
        return device, {"client_id": device_id}

    cases = []

    def case(name, expect, chunks, spec="device", version=4, connect_first=None):
        cases.append({"name": name, "expect": expect, "chunks": chunks, "spec": spec, "version": version,
                      "connect_first": connect_first})

    # Plainly malformed: closed at once (MQTT 3.1.1 §4.8 / MQTT 5 §4.13: close on a protocol error).
    case("publish-before-connect", "prompt", [publish_packet(4, f"devices/{device_id}/state")])
    case("variable-length-of-five-bytes", "prompt", [b"\x10\xff\xff\xff\xff\x7f"])
    case("declared-length-over-the-maximum", "prompt", [b"\x10" + vbi(100_000_000) + b"\x00" * 64])
    case("protocol-name-MQTX", "prompt", [connect_packet(4, device_id, name="MQTX")])
    case("connect-reserved-flag", "prompt", [connect_packet(4, device_id, flags_extra=0x01)])
    case("connect-fixed-header-flags", "prompt", [b"\x11" + connect_packet(4, device_id)[1:]])
    case("unknown-protocol-level", "unsupported", [connect_packet(4, device_id, level=7)])
    for version in (4, 5):
        v = f"v{'5' if version == 5 else '311'}"
        case(f"second-connect-{v}", "prompt", [connect_packet(version, "second")], spec="app", version=version,
             connect_first=True)
        case(f"reserved-packet-type-{v}", "prompt", [RESERVED], spec="app", version=version, connect_first=True)
        case(f"publish-qos-3-{v}", "prompt", [b"\x36" + publish_packet(version, "devices/x/state", qos=2)[1:]],
             spec="app", version=version, connect_first=True)
        case(f"publish-wildcard-topic-{v}", "prompt", [publish_packet(version, "devices/+/state")], spec="app",
             version=version, connect_first=True)
        case(f"publish-invalid-utf8-{v}", "prompt", [publish_packet(version, b"devices/\xff\xfe/state")], spec="app",
             version=version, connect_first=True)
        case(f"publish-nul-in-topic-{v}", "prompt", [publish_packet(version, "devices/\x00/state")], spec="app",
             version=version, connect_first=True)
        case(f"subscribe-bad-flags-{v}", "prompt", [subscribe_packet(version, "devices/+/state", first=0x80)],
             spec="app", version=version, connect_first=True)
        case(f"subscribe-no-filters-{v}", "prompt",
             [packet(0x82, b"\x00\x01" + (b"\x00" if version == 5 else b""))], spec="app", version=version,
             connect_first=True)
        case(f"pubrel-bad-flags-{v}", "prompt", [b"\x60\x02\x00\x01"], spec="app", version=version, connect_first=True)
    case("v5-unknown-property", "prompt", [connect_packet(5, device_id, properties=b"\xff\x00")], version=5)
    case("v5-repeated-session-expiry", "prompt",
         [connect_packet(5, device_id, properties=b"\x11\x00\x00\x00\x0a\x11\x00\x00\x00\x0a")], version=5)

    # Seeded random and mutated input: closed by the deadline at the latest.
    for n in range(count):
        kind = ("random", "mutated-connect", "mutated-after-connect")[n % 3]
        version = rng.choice([4, 5])
        if kind == "random":
            case(f"random-{n}", "closed", [bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))])
        elif kind == "mutated-connect":
            case(f"mutated-connect-{n}", "closed", ["mutated-connect", rng.random()], spec="app", version=version)
        else:
            base = rng.choice([
                publish_packet(version, "devices/x/state", b"payload", qos=rng.choice([0, 1, 2]), packet_id=7),
                subscribe_packet(version, "devices/+/state"),
                unsubscribe_packet(version, "devices/+/state"),
                PINGREQ, b"\x40\x02\x00\x01", b"\x62\x02\x00\x01", b"\xe0\x00",
                bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))),
            ])
            case(f"mutated-after-connect-{n}", "closed", [mutate(rng, base)], spec="app", version=version,
                 connect_first=True)

    def run(item):
        spec, fields = (device, {"client_id": device_id}) if item["spec"] == "device" else identity()
        version = item["version"]
        result = {"name": item["name"], "expect": item["expect"]}
        try:
            sock = open_tls(config, spec)
        except (OSError, ssl.SSLError) as error:
            result["error"] = f"TLS: {error}"
            return result
        with sock:
            try:
                if item["connect_first"]:
                    sock.sendall(connect_packet(version, keepalive=2, **fields))
                    answer = read_packet(sock, TIMEOUT)
                    if not answer or answer[0] != 0x20 or answer[1][1] != 0:
                        result["error"] = f"the valid CONNECT was answered {answer!r}"
                        return result
                chunks = item["chunks"]
                if chunks and chunks[0] == "mutated-connect":
                    data = mutate(random.Random(chunks[1]), connect_packet(version, keepalive=2, **fields))
                    sock.sendall(data)
                    result["sent"] = data[:48].hex()
                    answer = read_packet(sock, 1.0)
                    if answer and answer[0] == 0x20 and len(answer[1]) >= 2 and answer[1][1] == 0:
                        # Accepted despite the mutation (a changed keep-alive or client id): now
                        # a packet type that is never valid.
                        result["accepted_connect"] = True
                        sock.sendall(RESERVED)
                else:
                    for chunk in chunks:
                        sock.sendall(chunk)
                    result["sent"] = b"".join(chunks)[:48].hex()
            except (OSError, ssl.SSLError):
                result["closed_after"] = 0.0
                return result
            closed_after, received = wait_closed(sock, deadline)
        result["closed_after"] = None if closed_after is None else round(closed_after, 3)
        result["received"] = received[:16].hex()
        reason = disconnect_reason(received, version)
        if reason is not None:
            result["disconnect_reason"] = reason
        return result

    with ThreadPoolExecutor(max_workers=int(config.get("parallel", 12))) as pool:
        results = list(pool.map(run, cases))

    problems = []
    for result in results:
        closed = result.get("closed_after")
        if "error" in result:
            problems.append(result)
        elif closed is None:
            problems.append(dict(result, problem=f"still open {deadline} s after the last bytes"))
        elif result["expect"] == "prompt" and closed > prompt:
            problems.append(dict(result, problem=f"closed only after {closed} s (expected within {prompt} s)"))
        elif result["expect"] == "unsupported" and not result.get("received", "").startswith("20020001"):
            problems.append(dict(result, problem="no CONNACK 0x01 (unacceptable protocol version) before closing"))
    report["cases"] = len(results)
    report["closed_promptly"] = sum(1 for r in results if r.get("closed_after") is not None and r["closed_after"] <= prompt)
    report["slowest_close"] = max((r.get("closed_after") or 0) for r in results)
    report["accepted_mutated_connects"] = sum(1 for r in results if r.get("accepted_connect"))
    report["disconnect_reasons"] = sorted({r["disconnect_reason"] for r in results if "disconnect_reason" in r})
    report["results"] = results

    # The broker still serves: a device connects, subscribes and publishes as usual.
    peer = Peer(config, config["client"], mqtt.MQTTv5)
    peer.connected()
    check(peer.subscribe(f"devices/{device_id}/cmd/#", 1) == [1], "after the garbage: subscribe refused")
    check(peer.publish(f"devices/{device_id}/state", b"still-here", 1) == 0, "after the garbage: publish refused")
    peer.disconnect()
    report["afterwards"] = "ok"
    if problems:
        fail({"problems": problems})
    print(json.dumps({"ok": True, "report": report}, indent=2), flush=True)


# --- pipelined: commands written together with DISCONNECT, the connection closed at once -------


def pipelined(config):
    """The switch (raw TLS, MQTT 3.1.1, a last will on its availability) writes its last PUBLISH
    packets and DISCONNECT in one go and closes the connection at once, as mosquitto_pub -q 0
    does, `rounds` times each: `count` QoS 0 commands to the lamp (each needs the lamp's record),
    or one retained QoS 0 state (stored before it is acknowledged). Everything arrived in full
    before the DISCONNECT, so every command must reach the lamp, the last retained state must be
    kept, and no will must be published. Reports what happened."""
    lamp_id = config["clients"]["lamp"]["id"]
    switch = config["clients"]["switch"]
    switch_id = switch["id"]
    rounds, count = int(config.get("rounds", 5)), int(config.get("count", 20))
    command = f"devices/{lamp_id}/cmd/power"
    availability = f"devices/{switch_id}/availability"
    state = f"devices/{switch_id}/state"
    lamp = Peer(config, "lamp", mqtt.MQTTv5)
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
    watcher = Peer(config, "app", mqtt.MQTTv5)
    watcher.connected()
    check(watcher.subscribe(availability, 1) == [1], "the app subscribes to the switch's availability")

    def send_and_close(will, packets):
        sock = open_tls(config, switch)
        with sock:
            sock.sendall(connect_packet(4, switch_id, keepalive=30, will=(availability, will)))
            answer = read_packet(sock, TIMEOUT)
            check(answer is not None and answer[0] == 0x20 and answer[1][1] == 0, f"CONNACK {answer!r}")
            sock.sendall(packets + b"\xe0\x00")

    for r in range(rounds):
        send_and_close(b"will-commands-%d" % r,
                       b"".join(publish_packet(4, command, b"r%d-%d" % (r, i)) for i in range(count)))
    for r in range(rounds):
        retained = publish_packet(4, state, b"state-%d" % r)
        send_and_close(b"will-retained-%d" % r, bytes([retained[0] | 0x01]) + retained[1:])
    # Sentinels, after every round: a QoS 1 command and a QoS 1 availability from a fresh session.
    sender = Peer(config, "switch", mqtt.MQTTv5)
    sender.connected()
    check(sender.publish(command, b"sentinel", 1) == 0, "the sentinel command was refused")
    check(sender.publish(availability, b"present", 1) == 0, "the sentinel availability was refused")
    sender.disconnect()
    lamp.wait_message(lambda m: m.payload == b"sentinel", "the sentinel command")
    watcher.wait_message(lambda m: m.payload == b"present", "the sentinel availability")
    later = Peer(config, "app", mqtt.MQTTv5)
    later.connected()
    later.subscribe(state, 1)
    time.sleep(0.5)
    kept = later.matching(lambda m: m.topic == state and m.retain)
    later.disconnect()
    report["sent_per_round"] = count
    report["delivered_per_round"] = [len(lamp.matching(lambda m: m.payload.startswith(b"r%d-" % r))) for r in range(rounds)]
    report["wills_published"] = [m.payload.decode() for m in watcher.matching(lambda m: m.payload.startswith(b"will-"))]
    report["retained_state"] = kept[-1].payload.decode() if kept else None
    lamp.disconnect()
    watcher.disconnect()
    print(json.dumps({"ok": True, "report": report}, indent=2), flush=True)


# --- idle: who is closed, and when -------------------------------------------------------------


def idle(config):
    device = config["clients"][config["client"]]
    second = config["clients"][config.get("second_client", config["client"])]
    keepalive = int(config.get("keepalive", 2))
    deadline = float(config.get("deadline", 20))

    def keepalive_case(version, spec):
        def run():
            sock = open_tls(config, spec)
            with sock:
                sock.sendall(connect_packet(version, spec.get("id", ""), keepalive=keepalive))
                answer = read_packet(sock, TIMEOUT)
                if not answer or answer[0] != 0x20:
                    return {"error": f"CONNACK expected, got {answer!r}"}
                closed, received = wait_closed(sock, deadline)
                result = {"connack": answer[1][1], "closed_after": closed and round(closed, 3)}
                reason = disconnect_reason(received, version)
                if reason is not None:
                    result["disconnect_reason"] = reason
                return result
        return run

    def silent_tls(spec):
        def run():
            sock = open_tls(config, spec)
            with sock:
                closed, _ = wait_closed(sock, deadline)
                return {"closed_after": closed and round(closed, 3)}
        return run

    def silent_tcp(first_bytes):
        def run():
            sock = socket.create_connection((config.get("host", "127.0.0.1"), int(config["port"])), timeout=TIMEOUT)
            with sock:
                if first_bytes:
                    sock.sendall(first_bytes)
                closed, _ = wait_closed(sock, deadline)
                return {"closed_after": closed and round(closed, 3)}
        return run

    def partial_connect():
        sock = open_tls(config, device)
        with sock:
            sock.sendall(connect_packet(4, device.get("id", ""))[:5])
            closed, _ = wait_closed(sock, deadline)
            return {"closed_after": closed and round(closed, 3)}

    cases = {
        "keepalive_v311": keepalive_case(4, device),
        "keepalive_v5": keepalive_case(5, second),
        "tls_without_connect": silent_tls(device),
        "tls_without_certificate_or_connect": silent_tls(None),
        "part_of_a_connect": partial_connect,
        "tcp_without_tls": silent_tcp(b""),
        # The first bytes of a TLS record header, then nothing: a handshake that never finishes.
        "tls_handshake_never_finished": silent_tcp(b"\x16\x03\x01"),
    }
    if config.get("cases"):
        cases = {name: cases[name] for name in config["cases"]}
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {name: pool.submit(run) for name, run in cases.items()}
        for name, future in futures.items():
            try:
                report[name] = future.result()
            except (OSError, ssl.SSLError) as error:
                report[name] = {"error": str(error)}
    print(json.dumps({"ok": True, "report": report}, indent=2), flush=True)


# --- mqtt5: the MQTT 5 features the broker promises, one check each -----------------------------


class Peer5(Peer):
    """An MQTT 5 paho client with CONNECT properties, a will with properties, PUBLISH and
    SUBSCRIBE properties, the CONNACK's properties recorded and, optionally, manual
    acknowledgement. Every one is closed after its check (see mqtt5)."""

    opened = []

    def __init__(self, config, name, clean=True, expiry=None, will=None, will_delay=None, connect=None,
                 manual_ack=False):
        super().__init__(config, name, mqtt.MQTTv5, clean=clean, expiry=expiry)
        self.connect_properties = dict(connect or {})
        self.connack_properties = None
        if will:
            properties = Properties(PacketTypes.WILLMESSAGE)
            if will_delay is not None:
                properties.WillDelayInterval = will_delay
            self.client.will_set(will["topic"], will["payload"], qos=will.get("qos", 1), retain=False,
                                 properties=properties)
        if manual_ack:
            self.client.manual_ack_set(True)
        Peer5.opened.append(self)

    def _on_connect(self, client, userdata, flags, reason_code, properties=None):
        self.connack_properties = properties
        super()._on_connect(client, userdata, flags, reason_code, properties)

    def connect(self):
        properties = Properties(PacketTypes.CONNECT)
        if self.expiry is not None:
            properties.SessionExpiryInterval = self.expiry
        for name, value in self.connect_properties.items():
            setattr(properties, name, value)
        self.client.connect(self.config.get("host", "127.0.0.1"), int(self.config["port"]), self.keepalive,
                            clean_start=self.clean, properties=properties)
        self.client.loop_start()
        self.looping = True
        return self.wait(lambda: self.connacks[-1] if self.connacks else None, "CONNACK")

    def connack(self, name):
        return getattr(self.connack_properties, name, None) if self.connack_properties is not None else None

    def send(self, topic, payload, qos, **properties):
        """Publishes with PUBLISH properties, without waiting: the MQTTMessageInfo."""
        publish = None
        if properties:
            publish = Properties(PacketTypes.PUBLISH)
            for name, value in properties.items():
                setattr(publish, name, value)
        info = self.client.publish(topic, payload, qos=qos, properties=publish)
        check(info.rc == mqtt.MQTT_ERR_SUCCESS, f"{self.name}: PUBLISH {topic!r} not sent ({info.rc})")
        return info

    def publish5(self, topic, payload, qos, **properties):
        """Publishes with PUBLISH properties; for QoS 1 and 2 the acknowledgement's reason code."""
        info = self.send(topic, payload, qos, **properties)
        if qos == 0:
            return 0
        self.wait(lambda: info.mid in self.acks, f"acknowledgement of {topic!r} q{qos}")
        return self.acks[info.mid]

    def subscribe5(self, topic, qos, no_local=False, **properties):
        subscribe = None
        if properties:
            subscribe = Properties(PacketTypes.SUBSCRIBE)
            for name, value in properties.items():
                setattr(subscribe, name, value)
        options = mqtt.SubscribeOptions(qos=qos, noLocal=no_local)
        result, mid = self.client.subscribe(topic, options=options, properties=subscribe)
        check(result == mqtt.MQTT_ERR_SUCCESS, f"{self.name}: SUBSCRIBE {topic} not sent ({result})")
        return self.wait(lambda: self.subacks.get(mid), f"SUBACK for {topic}")

    def cut(self, what, timeout=TIMEOUT):
        """Waits for the broker to end the connection: the reason code paho reports."""
        self.wait(lambda: self.disconnects or None, what, timeout)
        return self.disconnects[0][1]

    def close(self):
        """After a check: a DISCONNECT if still connected (no will), the loop stopped."""
        if self.looping and self.client.is_connected() and not self.disconnects:
            self.client.disconnect()
            with self.changed:
                self.changed.wait_for(lambda: self.disconnects, 3)
        self._stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()


def prop(message, name):
    return getattr(message.properties, name, None) if message.properties is not None else None


def check5_topic_alias(config, out):
    """A publisher sets topic alias 1 with its topic, then publishes with an empty topic and alias 1:
    the subscriber gets both on the full topic. An alias above the CONNACK's Topic Alias Maximum
    ends the publisher's connection with DISCONNECT 0x94."""
    lamp_id = config["clients"]["lamp"]["id"]
    topic = f"devices/{lamp_id}/cmd/alias"
    lamp = Peer5(config, "lamp")
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
    switch = Peer5(config, "switch")
    switch.connected()
    maximum = switch.connack("TopicAliasMaximum")
    out["topic_alias_maximum"] = maximum
    check(maximum == 64, f"CONNACK Topic Alias Maximum is {maximum}, docs/mqtt.md says 64")
    first, second = f"alias-set-{token()}".encode(), f"alias-used-{token()}".encode()
    code = switch.publish5(topic, first, 1, TopicAlias=1)
    check(code == 0, f"PUBLISH with its topic and alias 1 acknowledged with {code:#04x}")
    code = switch.publish5("", second, 1, TopicAlias=1)
    check(code == 0, f"PUBLISH with an empty topic and alias 1 acknowledged with {code:#04x}")
    for payload in (first, second):
        got = lamp.wait_message(lambda m: m.payload == payload, f"{payload!r}", timeout=5)
        check(got.topic == topic, f"{payload!r} arrived on {got.topic!r}, not {topic!r}")
        check(prop(got, "TopicAlias") is None, f"{payload!r} was forwarded with a topic alias the subscriber never allowed")
    switch.send(topic, b"over-the-maximum", 1, TopicAlias=maximum + 1)
    reason = switch.cut(f"DISCONNECT after alias {maximum + 1}", timeout=5)
    out["over_maximum_disconnect"] = reason
    check(reason == 0x94, f"alias {maximum + 1} (maximum {maximum}) ended the connection with {reason:#04x}, not 0x94")


def check5_properties(config, out):
    """User properties (order and repeats kept), content type, response topic, correlation data
    and payload format indicator reach the subscriber as the publisher set them."""
    lamp_id = config["clients"]["lamp"]["id"]
    switch_id = config["clients"]["switch"]["id"]
    lamp = Peer5(config, "lamp")
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
    switch = Peer5(config, "switch")
    switch.connected()
    sent = {
        "UserProperty": [("room", "kitchen"), ("trace", "\u00e9t\u00e9-1"), ("room", "hall")],
        "ContentType": "application/json; charset=utf-8",
        "ResponseTopic": f"devices/{switch_id}/state",
        "CorrelationData": b"\x00\x01corr\xff",
        "PayloadFormatIndicator": 1,
    }
    payload = f'{{"power": "on", "n": "{token()}"}}'.encode()
    code = switch.publish5(f"devices/{lamp_id}/cmd/power", payload, 1, **sent)
    check(code == 0, f"PUBLISH with properties acknowledged with {code:#04x}")
    got = lamp.wait_message(lambda m: m.payload == payload, "the command with properties", timeout=5)
    received = {name: prop(got, name) for name in sent}
    out["received"] = {name: (value.hex() if isinstance(value, bytes) else value) for name, value in received.items()}
    for name, value in sent.items():
        have = received[name]
        if name == "UserProperty" and have is not None:
            have = [tuple(pair) for pair in have]
        check(have == value, f"{name}: sent {value!r}, received {have!r}")


def check5_message_expiry(config, out):
    """QoS 1 commands queued for an offline persistent session: one with Message Expiry Interval 2
    is gone when the session reconnects 3+ s later, one with 60 arrives with at most 60 left."""
    lamp_id = config["clients"]["lamp"]["id"]
    command = f"devices/{lamp_id}/cmd/power"
    lamp = Peer5(config, "lamp", clean=True, expiry=300)
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
    lamp.disconnect()
    switch = Peer5(config, "switch")
    switch.connected()
    short, long = f"expires-2-{token()}".encode(), f"expires-60-{token()}".encode()
    code = switch.publish5(command, short, 1, MessageExpiryInterval=2)
    check(code == 0, f"the command expiring in 2 s acknowledged with {code:#04x}")
    queued_at = time.time()
    code = switch.publish5(command, long, 1, MessageExpiryInterval=60)
    check(code == 0, f"the command expiring in 60 s acknowledged with {code:#04x}")
    time.sleep(max(0.0, queued_at + 3.2 - time.time()))
    again = Peer5(config, "lamp", clean=False, expiry=300)
    present = again.connected()
    out["offline_seconds"] = round(time.time() - queued_at, 2)
    check(present, "the persistent session (expiry 300) was not present on reconnection")
    got = again.wait_message(lambda m: m.payload == long, "the command expiring in 60 s", timeout=5)
    remaining = prop(got, "MessageExpiryInterval")
    out["forwarded_expiry"] = remaining
    # The queued copies come first, in order: a live command after them is the sentinel.
    sentinel = f"live-{token()}".encode()
    check(switch.publish5(command, sentinel, 1) == 0, "the live command was refused")
    again.wait_message(lambda m: m.payload == sentinel, "the live command", timeout=5)
    check(not again.matching(lambda m: m.payload == short),
          f"the command with Message Expiry Interval 2 was delivered {out['offline_seconds']} s after it was queued")
    check(remaining is not None and remaining <= 60,
          f"the command expiring in 60 s was forwarded with Message Expiry Interval {remaining}")


def check5_session_expiry(config, out):
    """Session Expiry Interval 0: nothing is kept after the disconnection (session_present false
    on a clean_start=False reconnection); 300: the session and its subscription are kept."""
    lamp_id = config["clients"]["lamp"]["id"]
    command = f"devices/{lamp_id}/cmd/power"
    for expiry in (0, 300):
        first = Peer5(config, "lamp", clean=True, expiry=expiry)
        first.connected()
        check(first.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
        first.disconnect()
        again = Peer5(config, "lamp", clean=False, expiry=expiry)
        present = again.connected()
        out[f"session_present_after_expiry_{expiry}"] = present
        if expiry == 0:
            check(not present, "a session with Session Expiry Interval 0 was present after the disconnection")
            again.disconnect()
            continue
        check(present, "a session with Session Expiry Interval 300 was not present after the disconnection")
        switch = Peer5(config, "switch")
        switch.connected()
        payload = f"kept-{token()}".encode()
        check(switch.publish5(command, payload, 1) == 0, "the command was refused")
        again.wait_message(lambda m: m.payload == payload, "a command on the kept subscription", timeout=5)
        again.disconnect()


def check5_will_delay(config, out):
    """A device's will on its availability with Will Delay Interval 3 (session expiry 60): not
    published within 1.5 s of an abrupt drop, published by 3–5 s; never published when the device
    resumes its session within a second of the drop."""
    lamp_id = config["clients"]["lamp"]["id"]
    topic = f"devices/{lamp_id}/availability"
    watcher = Peer5(config, "app")
    watcher.connected()
    check(watcher.subscribe(topic, 1) == [1], f"the app subscribes to {topic}")
    def drop_with_will(payload):
        """The lamp connects with a will (delay 3 s, session expiry 60) and drops; when it dropped."""
        lamp = Peer5(config, "lamp", clean=True, expiry=60, will={"topic": topic, "payload": payload}, will_delay=3)
        lamp.connected()
        lamp.close_abruptly()
        return time.time()

    delayed = f"gone-{token()}".encode()
    dropped = drop_with_will(delayed)
    time.sleep(1.5)
    early = watcher.matching(lambda m: m.payload == delayed)
    check(not early, f"the will (delay 3 s) was published {early[0].at - dropped:.2f} s after the drop" if early else "")
    got = watcher.wait_message(lambda m: m.payload == delayed, "the delayed will", timeout=dropped + 5.5 - time.time())
    out["will_after"] = round(got.at - dropped, 3)
    check(2.8 <= got.at - dropped <= 5.5, f"the will (delay 3 s) was published {got.at - dropped:.2f} s after the drop")

    cancelled = f"resumed-{token()}".encode()
    dropped = drop_with_will(cancelled)
    time.sleep(0.5)
    back = Peer5(config, "lamp", clean=False, expiry=60)
    present = back.connected()
    out["resumed_after"] = round(time.time() - dropped, 3)
    out["resumed_session_present"] = present
    check(present, "the session (expiry 60) was not present when the device came back")
    time.sleep(max(0.0, dropped + 5 - time.time()))
    sentinel = f"back-{token()}".encode()
    check(back.publish5(topic, sentinel, 1) == 0, "the availability after resuming was refused")
    watcher.wait_message(lambda m: m.payload == sentinel, "the availability after resuming", timeout=5)
    sent = watcher.matching(lambda m: m.payload == cancelled)
    check(not sent, f"the will was published {sent[0].at - dropped:.2f} s after the drop although the session was resumed "
                    f"{out['resumed_after']} s after it" if sent else "")
    back.disconnect()


def check5_subscription_identifier(config, out):
    """An app subscribing with Subscription Identifier 7 gets its messages with identifier 7 (and
    no identifier on a subscription made without one)."""
    lamp_id = config["clients"]["lamp"]["id"]
    app = Peer5(config, "app")
    app.connected()
    check(app.subscribe5("devices/+/state", 1, SubscriptionIdentifier=7) == [1], "subscribe devices/+/state with identifier 7")
    check(app.subscribe5(f"devices/{lamp_id}/availability", 1) == [1], "subscribe to the availability without an identifier")
    lamp = Peer5(config, "lamp")
    lamp.connected()
    state, online = f"state-{token()}".encode(), f"online-{token()}".encode()
    check(lamp.publish5(f"devices/{lamp_id}/state", state, 1) == 0, "the state was refused")
    check(lamp.publish5(f"devices/{lamp_id}/availability", online, 1) == 0, "the availability was refused")
    got = app.wait_message(lambda m: m.payload == state, "the state", timeout=5)
    plain = app.wait_message(lambda m: m.payload == online, "the availability", timeout=5)
    out["identifiers"] = prop(got, "SubscriptionIdentifier")
    check(prop(got, "SubscriptionIdentifier") == [7], f"the state arrived with subscription identifiers {out['identifiers']}")
    check(prop(plain, "SubscriptionIdentifier") is None,
          f"a message on a subscription without identifier carried {prop(plain, 'SubscriptionIdentifier')}")


def check5_no_local(config, out):
    raise CheckSkipped(
        "no identity may both publish and subscribe to one topic under MessagingPolicy: a device subscribes only to "
        "devices/<own id>/cmd/# and may not command itself (PUBLISH 0x87); an app subscribes only to state, "
        "availability and telemetry and publishes only commands")


def check5_maximum_packet_size(config, out):
    """A subscriber announcing Maximum Packet Size 100 is not sent a 500-byte message, and stays
    connected (a small message after it arrives); a PUBLISH larger than the broker's 256 KiB ends
    the publisher's connection with DISCONNECT 0x95."""
    lamp_id = config["clients"]["lamp"]["id"]
    command = f"devices/{lamp_id}/cmd/power"
    lamp = Peer5(config, "lamp", connect={"MaximumPacketSize": 100})
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
    switch = Peer5(config, "switch")
    switch.connected()
    out["broker_maximum_packet_size"] = switch.connack("MaximumPacketSize")
    big = b"B" * 500
    check(switch.publish5(command, big, 1) == 0, "the 500-byte command was refused")
    small = f"small-{token()}".encode()
    check(switch.publish5(command, small, 1) == 0, "the small command was refused")
    lamp.wait_message(lambda m: m.payload == small, "the small command after the 500-byte one", timeout=5)
    check(not lamp.matching(lambda m: m.payload == big), "the 500-byte command was sent to a client allowing 100 bytes")
    check(not lamp.disconnects, f"the subscriber was disconnected: {lamp.disconnects}")
    huge = b"H" * (256 * 1024 + 64)
    switch.send(command, huge, 1)
    reason = switch.cut("DISCONNECT after a PUBLISH over 256 KiB", timeout=10)
    out["oversized_disconnect"] = reason
    check(reason == 0x95, f"a PUBLISH of {len(huge)} bytes of payload ended the connection with {reason:#04x}, not 0x95")


def check5_receive_maximum(config, out):
    """A subscriber announcing Receive Maximum 2 and acknowledging by hand never has more than two
    unacknowledged QoS 1 messages in flight; each acknowledgement lets the next one through."""
    if not hasattr(mqtt.Client, "manual_ack_set"):
        raise CheckSkipped(f"paho-mqtt {paho_version} has no manual acknowledgement (manual_ack_set)")
    lamp_id = config["clients"]["lamp"]["id"]
    command = f"devices/{lamp_id}/cmd/power"
    lamp = Peer5(config, "lamp", connect={"ReceiveMaximum": 2}, manual_ack=True)
    lamp.connected()
    check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 1) == [1], "the lamp subscribes to its commands")
    switch = Peer5(config, "switch")
    switch.connected()
    sent = [f"held-{n}-{token()}".encode() for n in range(6)]
    for payload in sent:
        check(switch.publish5(command, payload, 1) == 0, f"{payload!r} was refused")

    def arrived():
        return [m for m in lamp.matching(lambda m: m.payload in sent)]

    acked, most = 0, 0
    while acked < len(sent):
        lamp.wait(lambda: len(arrived()) > acked or None, f"a held command after {acked} acknowledgements", timeout=5)
        time.sleep(0.8 if acked == 0 else 0.25)  # time for more than allowed to show up
        got = arrived()
        most = max(most, len(got) - acked)
        check(len(got) - acked <= 2,
              f"{len(got) - acked} unacknowledged QoS 1 messages in flight after {acked} acknowledgements (Receive Maximum 2)")
        lamp.client.ack(got[acked].mid, 1)
        acked += 1
    out["most_in_flight"] = most
    order = [m.payload for m in arrived()]
    check(order == sent, f"the held commands arrived as {order}")


def check5_session_takeover(config, out):
    """A second connection of the same device (certificate and client id) takes the session over:
    the first gets DISCONNECT 0x8E; the second stays."""
    first = Peer5(config, "lamp")
    first.connected()
    second = Peer5(config, "lamp")
    second.connected()
    reason = first.cut("DISCONNECT on the session takeover", timeout=5)
    out["first_disconnect"] = reason
    check(reason == 0x8E, f"the first connection ended with {reason:#04x}, not 0x8E")
    time.sleep(0.3)
    check(not second.disconnects and second.client.is_connected(), f"the second connection ended too: {second.disconnects}")


def check5_connection_limit(config, out):
    raise CheckSkipped("20,000 connections are not practical from one paho process")


MQTT5_CHECKS = {
    "topic_alias": check5_topic_alias,
    "properties": check5_properties,
    "message_expiry": check5_message_expiry,
    "session_expiry": check5_session_expiry,
    "will_delay": check5_will_delay,
    "subscription_identifier": check5_subscription_identifier,
    "no_local": check5_no_local,
    "maximum_packet_size": check5_maximum_packet_size,
    "receive_maximum": check5_receive_maximum,
    "session_takeover": check5_session_takeover,
    "connection_limit": check5_connection_limit,
}


def clear_sessions(config):
    """Ends whatever session a check left to the devices: clean start, session expiry 0."""
    for name in ("lamp", "switch"):
        try:
            peer = Peer5(config, name, clean=True, expiry=0)
            peer.connected()
            peer.disconnect()
        except Exception:  # noqa: BLE001 - reported by the next check that needs the device
            pass
        finally:
            Peer5.opened.clear()


def mqtt5(config):
    global raise_on_failure
    raise_on_failure = True
    report["paho"] = paho_version
    checks = {}
    for name in config.get("checks") or list(MQTT5_CHECKS):
        out, started = {}, time.monotonic()
        try:
            MQTT5_CHECKS[name](config, out)
            out["status"] = "ok"
        except CheckSkipped as skipped:
            out.update(status="skipped", reason=str(skipped))
        except CheckFailed as failed:
            out.update(status="failed", failure=str(failed))
        except Exception as error:  # noqa: BLE001 - a crash fails this check only
            out.update(status="failed", failure=f"{type(error).__name__}: {error}")
        finally:
            for peer in Peer5.opened:
                try:
                    peer.close()
                except Exception:  # noqa: BLE001
                    pass
            Peer5.opened.clear()
        out["seconds"] = round(time.monotonic() - started, 2)
        checks[name] = out
        if out["status"] != "skipped":
            clear_sessions(config)
    report["checks"] = checks
    ok = all(c["status"] != "failed" for c in checks.values())
    print(json.dumps({"ok": ok, "report": report}, indent=2, default=repr), flush=True)
    sys.exit(0 if ok else 1)


def dpop_proof(key_pem, url, access_token, jti=None):
    """An RFC 9449 proof for an MQTT CONNECT (htm CONNECT, htu the broker), made with joserfc."""
    import base64
    import hashlib
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import ECKey

    def b64url(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    with open(key_pem, "rb") as file:
        key = ECKey.import_key(file.read())
    public = key.as_dict(private=False)
    claims = {"jti": jti or str(uuid.uuid4()), "htm": "CONNECT", "htu": url, "iat": int(time.time()),
              "ath": b64url(hashlib.sha256(access_token.encode()).digest())}
    header = {"alg": "ES256", "typ": "dpop+jwt", "jwk": {k: public[k] for k in ("kty", "crv", "x", "y")}}
    return jose_jwt.encode(header, claims, key).encode()


def possession(config):
    """Commands to a lock (security zone): only apps that prove possession of their token's key."""
    clients, url = config["clients"], config["broker_url"]
    lock = Peer(config, "lock", mqtt.MQTTv5)
    lock.connected()
    topic = f"devices/{clients['lock']['id']}/cmd/open"
    check(lock.subscribe(f"devices/{clients['lock']['id']}/cmd/#", 1) == [1], "the lock could not subscribe")

    def attempt(case, name, authentication=None):
        peer = Peer(config, name, mqtt.MQTTv5, client_id="")
        code, _ = peer.connect(authentication)
        outcome = {"connack": code}
        if code == 0:
            payload = f"{case}-{token()}".encode()
            outcome["puback"] = peer.publish(topic, payload, 1)
            # An accepted command reaches the lock at once; a refused one must not, ever: wait a little.
            heard = lock.matching(lambda m: m.payload == payload)
            if not heard:
                time.sleep(0.5 if outcome["puback"] == 0 else 1.0)
                heard = lock.matching(lambda m: m.payload == payload)
            outcome["heard"] = bool(heard)
            peer.disconnect()
        else:
            peer._stop()
        report[case] = outcome

    dpop = clients["dpop"]
    attempt("bearer", "bearer")
    proof = dpop_proof(dpop["dpop_key"], url, dpop["token"])
    attempt("dpop", "dpop", ("DPoP", proof))
    attempt("certificate", "certificate")
    # Wrong proofs, each refused at CONNECT.
    attempt("dpop_replayed", "dpop", ("DPoP", proof))
    attempt("dpop_without_proof", "dpop")
    attempt("dpop_for_another_broker", "dpop", ("DPoP", dpop_proof(dpop["dpop_key"], "mqtts://elsewhere.example:8883", dpop["token"])))
    attempt("dpop_for_another_token", "dpop", ("DPoP", dpop_proof(dpop["dpop_key"], url, clients["bearer"]["token"])))
    attempt("bearer_with_a_proof", "bearer", ("DPoP", dpop_proof(dpop["dpop_key"], url, clients["bearer"]["token"])))
    attempt("unknown_method", "bearer", ("SCRAM-SHA-256", b"n,,n=app,r=abc"))
    lock.disconnect()
    print(json.dumps({"ok": True, "report": report}, indent=2), flush=True)


def hold(config):
    """A command out of the ordinary to a lock, held until an owner approves it."""
    clients, url = config["clients"], config["broker_url"]
    lock = Peer(config, "lock", mqtt.MQTTv5)
    lock.connected()
    lock_id = clients["lock"]["id"]
    check(lock.subscribe(f"devices/{lock_id}/cmd/#", 1) == [1], "the lock could not subscribe")
    app = Peer(config, "dpop", mqtt.MQTTv5, client_id="")
    dpop = clients["dpop"]
    code, _ = app.connect(("DPoP", dpop_proof(dpop["dpop_key"], url, dpop["token"])))
    check(code == 0, f"the DPoP app's CONNACK {code}")
    first = f"open-{token()}".encode()
    emit({"event": "held", "puback": app.publish(f"devices/{lock_id}/cmd/open", first, 1)})
    with lock.changed:
        lock.changed.wait_for(lambda: any(m.payload == first for m in lock.messages), float(config.get("wait", 30)))
    heard = next(iter(lock.matching(lambda m: m.payload == first)), None)
    emit({"event": "delivered", "time": heard.at} if heard else {"event": "not-delivered"})
    second = f"open-{token()}".encode()
    puback = app.publish(f"devices/{lock_id}/cmd/open", second, 1)
    # An accepted command reaches the lock at once, but a loaded machine may take a moment.
    with lock.changed:
        lock.changed.wait_for(lambda: any(m.payload == second for m in lock.messages), 10.0 if puback == 0 else 0.5)
    emit({"event": "second", "puback": puback, "heard": bool(lock.matching(lambda m: m.payload == second))})
    app.disconnect()
    lock.disconnect()


def run_mode(modes, usage):
    """`script MODE CONFIG.json`: runs the mode on the configuration, or prints the usage."""
    if len(sys.argv) == 3 and sys.argv[1] in modes:
        with open(sys.argv[2]) as file:
            modes[sys.argv[1]](json.load(file))
    else:
        sys.exit(usage)


def main():
    run_mode({"flows": flows, "wait": wait, "garbage": garbage, "idle": idle, "pipelined": pipelined,
              "mqtt5": mqtt5, "possession": possession, "hold": hold}, __doc__)


if __name__ == "__main__":
    main()
