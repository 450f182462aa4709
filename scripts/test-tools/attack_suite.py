#!/usr/bin/env python3
"""Plays attacks against a running Hearth hub's MQTT broker with Eclipse Paho, and a normal
household around them, and measures what the hub did and when (docs/detection.md).

    attack_suite.py household CONFIG.json   devices publishing at their usual rates, apps listening,
                                            until the file named by "stop" exists; JSON report
    attack_suite.py storm CONFIG.json       one device publishing as fast as it can; when its
                                            publishes were refused (rate limit) and when it was cut off
    attack_suite.py clone CONFIG.json       one certificate connected from two source addresses;
                                            when each connection was cut off
    attack_suite.py guess CONFIG.json       CONNECTs with wrong tokens from one source address, paced;
                                            which attempt was first refused at the TCP/TLS level
    attack_suite.py unusual CONFIG.json     an app that never commanded a lock commands it (with a
                                            DPoP proof): its PUBACK, and whether the lock heard it

CONFIG is a JSON object: {"host", "port", "ca", ...} and per mode:

- household: "devices" [{"cert", "key", "id"}], "apps" [access tokens], "period" (seconds between
  a device's messages), "stop" (a path), "alerts" (optional: an access token with alerts:read,
  subscribed to hub/alerts); the report counts messages sent and received, lists every
  unexpected disconnection and every alert received (its kind and suspect).
- storm: "device" {"cert", "key", "id"}, "seconds" (how long to keep going at most); times are
  seconds from the first publish.
- clone: "device", "addresses" [first, second] (local addresses to connect from: 127.0.0.x);
  times are seconds from the second connection's CONNACK.
- guess: "address", "attempts", "pace" (seconds between attempts).
- unusual: "lock" {"cert", "key", "id"}, "app" {"token", "dpop_key"} (a DPoP-bound token and the
  PEM of its key), "broker_url" (the proof's htu); the proof is made by joserfc
  (mqtt_interop.dpop_proof).

Written for paho-mqtt 2.x (CallbackAPIVersion.VERSION2).
"""
import json
import os
import socket
import ssl
import sys
import threading
import time

import paho.mqtt.client as mqtt

# Quota exceeded: a PUBACK cannot say 0x96 (message rate too high), which is for DISCONNECT only.
QUOTA_EXCEEDED = 0x97


def report(value, ok=True):
    print(json.dumps({"report": value}))
    sys.exit(0 if ok else 1)


def device_client(config, device, protocol=mqtt.MQTTv5, bind=""):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device["id"], protocol=protocol)
    client.tls_set(ca_certs=config["ca"], certfile=device["cert"], keyfile=device["key"])
    client.bind_address = bind
    return client


def connect(client, config, bind=""):
    connected = threading.Event()
    outcome = {}

    def on_connect(client, userdata, flags, reason_code, properties):
        outcome["code"] = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
        outcome["time"] = time.time()
        connected.set()

    client.on_connect = on_connect
    client.connect(config["host"], config["port"], keepalive=30, bind_address=bind)
    client.loop_start()
    if not connected.wait(15) or outcome.get("code") != 0:
        raise RuntimeError(f"could not connect: {outcome}")
    return outcome["time"]


def watch_disconnect(client):
    cut = {}
    done = threading.Event()

    def on_disconnect(client, userdata, flags, reason_code, properties):
        cut["time"] = time.time()
        cut["reason_code"] = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
        cut["reason"] = str(reason_code)
        done.set()

    client.on_disconnect = on_disconnect
    return cut, done


def household(config):
    devices, apps, received = [], [], [0]
    cuts = []
    lock = threading.Lock()
    for spec in config["devices"]:
        client = device_client(config, spec)
        client.reconnect_delay_set(1, 2)
        connect(client, config)

        def lost(client, userdata, flags, reason_code, properties, name=spec["id"]):
            with lock:
                cuts.append({"client": name, "reason": str(reason_code), "time": time.time()})

        client.on_disconnect = lost
        devices.append((spec, client))
    for index, token in enumerate(config["apps"]):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"household-app-{index}", protocol=mqtt.MQTTv5)
        client.tls_set(ca_certs=config["ca"])
        client.username_pw_set("app", token)

        def on_message(client, userdata, message):
            with lock:
                received[0] += 1

        client.on_message = on_message
        connect(client, config)
        client.subscribe("devices/+/state", qos=1)
        apps.append(client)
    alerts = []
    if config.get("alerts"):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="household-alerts", protocol=mqtt.MQTTv5)
        client.tls_set(ca_certs=config["ca"])
        client.username_pw_set("app", config["alerts"])

        def on_alert(client, userdata, message):
            body = json.loads(message.payload)
            with lock:
                alerts.append({"kind": body.get("kind"), "suspect": body.get("suspect"), "topic": message.topic})

        client.on_message = on_alert
        connect(client, config)
        granted = threading.Event()
        client.on_subscribe = lambda *args: granted.set()
        client.subscribe("hub/alerts", qos=1)
        granted.wait(10)
        apps.append(client)
    sent = 0
    period = config["period"]
    started = time.time()
    print(json.dumps({"event": "running"}), flush=True)
    tick = 0
    while not os.path.exists(config["stop"]):
        for index, (spec, client) in enumerate(devices):
            # A little jitter and a burst now and then, as real devices send.
            if (tick + index) % 7 == 0:
                for burst in range(3):
                    client.publish(f"devices/{spec['id']}/state", json.dumps({"on": True, "n": burst}), qos=1)
                    sent += 1
            client.publish(f"devices/{spec['id']}/state", json.dumps({"level": tick % 100}), qos=1)
            sent += 1
        tick += 1
        time.sleep(period)
    time.sleep(1)
    for _, client in devices:
        client.on_disconnect = None
        client.disconnect()
        client.loop_stop()
    for client in apps:
        client.disconnect()
        client.loop_stop()
    report({"sent": sent, "received": received[0], "seconds": time.time() - started, "disconnections": cuts, "alerts": alerts})


def storm(config):
    client = device_client(config, config["device"])
    client.max_inflight_messages_set(10)
    client.max_queued_messages_set(500)
    connect(client, config)
    cut, done = watch_disconnect(client)
    refused = {}

    def on_publish(client, userdata, mid, reason_code, properties):
        code = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
        if code == QUOTA_EXCEEDED and "time" not in refused:
            refused["time"] = time.time()
        if code == QUOTA_EXCEEDED:
            refused["count"] = refused.get("count", 0) + 1

    client.on_publish = on_publish
    topic = f"devices/{config['device']['id']}/state"
    started = time.time()
    sent = 0
    while not done.is_set() and time.time() - started < config["seconds"]:
        info = client.publish(topic, b'{"level": 1}', qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            time.sleep(0.001)
            continue
        sent += 1
    done.wait(2)
    client.loop_stop()
    report({
        "sent": sent,
        "rate_limited_after": refused["time"] - started if "time" in refused else None,
        "refused": refused.get("count", 0),
        "cut_after": cut["time"] - started if "time" in cut else None,
        "cut_reason": cut.get("reason"),
    })


def clone(config):
    first, second = config["addresses"]
    original = device_client(config, config["device"], bind=first)
    connect(original, config, bind=first)
    original_cut, original_done = watch_disconnect(original)
    original.reconnect_delay_set(30, 60)  # a cut-off device does not come straight back here
    time.sleep(0.5)
    copy = device_client(config, config["device"], bind=second)
    copy_cut, copy_done = watch_disconnect(copy)
    copy.reconnect_delay_set(30, 60)
    connected = connect(copy, config, bind=second)
    copy_done.wait(10)
    original_done.wait(1)
    for client in (original, copy):
        client.loop_stop()
    report({
        "original_cut_after": original_cut["time"] - connected if "time" in original_cut else None,
        "original_reason": original_cut.get("reason"),
        "clone_cut_after": copy_cut["time"] - connected if "time" in copy_cut else None,
        "clone_reason": copy_cut.get("reason"),
    })


def guess(config):
    context = ssl.create_default_context(cafile=config["ca"])
    results = []
    for attempt in range(1, config["attempts"] + 1):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"guess-{attempt}", protocol=mqtt.MQTTv311)
        client.tls_set_context(context)
        client.username_pw_set("app", f"not-a-token-{attempt}")
        answered = threading.Event()
        outcome = {}

        def on_connect(client, userdata, flags, reason_code, properties):
            outcome["code"] = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
            answered.set()

        def on_disconnect(client, userdata, flags, reason_code, properties):
            answered.set()

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        try:
            client.connect(config["host"], config["port"], keepalive=10, bind_address=config["address"])
            client.loop_start()
            answered.wait(5)
            client.loop_stop()
            results.append({"attempt": attempt, "connack": outcome.get("code")})
        except (OSError, ssl.SSLError) as error:
            results.append({"attempt": attempt, "connack": None, "error": type(error).__name__})
        try:
            client.disconnect()
        except Exception:
            pass
        time.sleep(config["pace"])
    first_blocked = next((r["attempt"] for r in results if r["connack"] is None), None)
    refused = sum(1 for r in results if r["connack"] not in (None, 0))
    report({"first_blocked": first_blocked, "refused_by_credential": refused, "attempts": results})


def unusual(config):
    from mqtt_interop import dpop_proof
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    lock_id = config["lock"]["id"]
    heard = []
    lock = device_client(config, config["lock"])
    lock.on_message = lambda client, userdata, message: heard.append(bytes(message.payload))
    connect(lock, config)
    lock.subscribe(f"devices/{lock_id}/cmd/#", qos=1)
    time.sleep(0.3)
    app = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv5)
    app.tls_set(ca_certs=config["ca"])
    app.username_pw_set("app", config["app"]["token"])
    properties = Properties(PacketTypes.CONNECT)
    properties.AuthenticationMethod = "DPoP"
    properties.AuthenticationData = dpop_proof(config["app"]["dpop_key"], config["broker_url"], config["app"]["token"])
    connected = threading.Event()
    app.on_connect = lambda client, userdata, flags, reason_code, props: connected.set()
    acknowledged = threading.Event()
    outcome = {}

    def on_publish(client, userdata, mid, reason_code, props):
        outcome["puback"] = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
        outcome["reason"] = getattr(props, "ReasonString", None) if props else None
        outcome["at"] = time.time()
        acknowledged.set()

    app.on_publish = on_publish
    app.connect(config["host"], config["port"], keepalive=10, properties=properties)
    app.loop_start()
    if not connected.wait(15):
        report({"failed": "the app could not connect"}, ok=False)
    payload = b"open-the-door"
    sent = time.time()
    app.publish(f"devices/{lock_id}/cmd/open", payload, qos=1)
    acknowledged.wait(15)
    time.sleep(2)
    app.loop_stop()
    lock.loop_stop()
    report({"puback": outcome.get("puback"), "reason": outcome.get("reason"),
            "held_after": outcome["at"] - sent if "at" in outcome else None, "heard": payload in heard})


MODES = {"household": household, "storm": storm, "clone": clone, "guess": guess, "unusual": unusual}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        sys.exit(__doc__)
    with open(sys.argv[2]) as handle:
        MODES[sys.argv[1]](json.load(handle))
