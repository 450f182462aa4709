#!/usr/bin/env python3
"""Virtual devices for the privacy leak test (Tests/HearthServerTests/PrivacyLeakTests.swift).

Eclipse Paho clients, one per device certificate, publish to the hub's broker a mix of:
declared flows with valid payloads that embed identifiers (a serial number, a MAC address, an
e-mail address), schema-invalid payloads, an undeclared flow, a flow the owner never consented
to send out, and a flow whose consent is withdrawn midway. Every PUBLISH is QoS 1 over MQTT 5,
and its PUBACK reason code is recorded, so the test knows exactly what the hub took in.

Two phases: phase 1 runs, the script prints "phase 1 done" and waits until the test creates the
file named `go` (after it withdrew a consent), then phase 2 runs. The last line printed is a JSON
summary: per phase and kind, how many were sent and the PUBACK codes seen.

Usage: privacy_leak.py CONFIG.json   (host, port, ca, devices: [{id, cert, key}],
per_device_per_phase, go, seed)
"""
import json
import os
import random
import ssl
import sys
import threading
import time

import paho.mqtt.client as mqtt

TIMEOUT = 60


class Device:
    def __init__(self, config, spec):
        self.id = spec["id"]
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.id, protocol=mqtt.MQTTv5,
                                  reconnect_on_failure=False)
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=config["ca"])
        context.load_cert_chain(spec["cert"], spec["key"])
        self.client.tls_set_context(context)
        self.acks = {}
        self.connected = threading.Event()
        self.changed = threading.Condition()
        self.client.on_connect = lambda c, u, f, code, p=None: self.connected.set()
        self.client.on_publish = self._on_publish

    def _on_publish(self, client, userdata, mid, reason_code=0, properties=None):
        with self.changed:
            self.acks[mid] = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
            self.changed.notify_all()

    def connect(self, host, port):
        self.client.connect(host, port, 60)
        self.client.loop_start()
        if not self.connected.wait(TIMEOUT):
            raise SystemExit(f"device {self.id}: no CONNACK")

    def publish(self, topic, payload):
        """Publishes at QoS 1 without waiting; returns the message id."""
        info = self.client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise SystemExit(f"device {self.id}: PUBLISH not sent ({info.rc})")
        return info.mid

    def wait_acks(self, mids):
        with self.changed:
            if not self.changed.wait_for(lambda: all(m in self.acks for m in mids), TIMEOUT):
                raise SystemExit(f"device {self.id}: acknowledgements missing")
        return [self.acks[m] for m in mids]


def messages(device, phase, count, rng):
    """(kind, topic, payload) for one device in one phase; `seq` makes every payload unique."""
    base = f"devices/{device}/telemetry/"
    out = []
    for n in range(count):
        seq = f"{device}-{phase}-{n}"
        serial = f"SN-{rng.randrange(10**8):08d}"
        mac = ":".join(f"{rng.randrange(256):02x}" for _ in range(6))
        watts = round(rng.uniform(0, 3000), 2)
        kind = ["energy", "energy", "energy", "invalid", "undeclared", "diagnostics", "presence", "presence"][n % 8]
        if kind == "energy":
            body = {"seq": seq, "phase": phase, "watts": watts, "serial": serial, "mac": mac, "owner": "ann@example.org"}
            out.append((kind, base + "energy", body))
        elif kind == "invalid":
            body = {"seq": seq, "phase": phase, "watts": -watts - 1, "serial": serial}
            out.append((kind, base + "energy", body))
        elif kind == "undeclared":
            out.append((kind, base + "location", {"seq": seq, "phase": phase, "lat": 48.85, "lon": 2.35, "serial": serial}))
        elif kind == "diagnostics":
            out.append((kind, base + "diagnostics", {"seq": seq, "phase": phase, "log": f"boot ok {mac}", "serial": serial}))
        else:
            out.append((kind, base + "presence", {"seq": seq, "phase": phase, "home": n % 3 == 0, "mac": mac}))
    return out


def run_phase(devices, phase, count, rng, summary):
    plans = {d.id: messages(d.id, phase, count, rng) for d in devices}
    pending = []
    for device in devices:
        mids = [device.publish(topic, json.dumps(body, separators=(",", ":"))) for _, topic, body in plans[device.id]]
        pending.append((device, mids))
    for device, mids in pending:
        codes = device.wait_acks(mids)
        for (kind, _, body), code in zip(plans[device.id], codes):
            entry = summary.setdefault(f"{phase} {kind}", {"sent": 0, "codes": {}, "seqs": []})
            entry["sent"] += 1
            entry["codes"][str(code)] = entry["codes"].get(str(code), 0) + 1
            if code == 0:
                entry["seqs"].append(body["seq"])


def main():
    config = json.load(open(sys.argv[1]))
    rng = random.Random(config.get("seed", 21))
    devices = [Device(config, spec) for spec in config["devices"]]
    for device in devices:
        device.connect(config.get("host", "127.0.0.1"), int(config["port"]))
    summary = {}
    count = int(config["per_device_per_phase"])
    run_phase(devices, 1, count, rng, summary)
    print("phase 1 done", flush=True)
    deadline = time.time() + 120
    while not os.path.exists(config["go"]):
        if time.time() > deadline:
            raise SystemExit("the test never said go")
        time.sleep(0.05)
    run_phase(devices, 2, count, rng, summary)
    for device in devices:
        device.client.disconnect()
        device.client.loop_stop()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
