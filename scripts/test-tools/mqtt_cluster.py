#!/usr/bin/env python3
"""One household's MQTT over several Hearth hub nodes (docs/scale-out.md), with Eclipse Paho.

    mqtt_cluster.py spread CONFIG.json     publishers and subscribers on different nodes; JSON report
    mqtt_cluster.py failover CONFIG.json   QoS 1 to a persistent session while a node dies; JSON lines

CONFIG is mqtt_interop.py's (each client may name its own "port": the node it connects to).

`spread`: clients "switch" (a lighting device) commands "lamp" and "lamp2" (lighting devices;
"lamp2" may be left out), each on the port given; "count" commands per QoS (0, 1, 2) to each lamp, MQTT 5 and 3.1.1 in
turn. Each QoS 1 and 2 command must arrive exactly once at its lamp, each QoS 0 command at most
once; the report gives the counts and the QoS 1 latency (p50, p99, in ms).

`failover`: "lamp" holds a persistent session (MQTT 5, session expiry "expiry" s) subscribed to
its commands at QoS 1; "switch" sends it a numbered QoS 1 command every "interval" s for
"duration" s. Both connect through "port" (the load balancer) and, when their connection ends,
connect again at once, every 0.2 s until one is accepted. It prints {"event": "running"} once
both are connected, then at the end {"event": "report", ...}: the commands acknowledged, those
the lamp received, those acknowledged but never received ("lost", waited for up to "grace" s),
duplicates, each client's gaps (seconds from noticing its connection lost — keep-alive 2 s — to
the next CONNACK), why each client's attempts were refused (by CONNACK reason code, or "tcp-tls",
"closed", "silent"), and the longest silence (seconds between two commands the lamp received): the
outage as the household saw it.
"""
import json
import threading
import time

import paho.mqtt
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from mqtt_interop import Peer, check, emit, label_of, run_mode, token


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def spread(config):
    count = int(config.get("count", 50))
    report = {"paho": getattr(paho.mqtt, "__version__", "?")}
    for protocol in (mqtt.MQTTv5, mqtt.MQTTv311):
        label = label_of(protocol)
        lamps = {}
        for name in [name for name in ("lamp", "lamp2") if name in config["clients"]]:
            lamp = Peer(config, name, protocol)
            lamp.connected()
            lamp_id = config["clients"][name]["id"]
            check(lamp.subscribe(f"devices/{lamp_id}/cmd/#", 2) == [2], f"{label}: {name} subscribes at QoS 2")
            lamps[name] = lamp
        switch = Peer(config, "switch", protocol)
        switch.connected()
        sent = {name: {0: [], 1: [], 2: []} for name in lamps}
        latencies = []
        for qos in (0, 1, 2):
            for n in range(count):
                for name, lamp in lamps.items():
                    payload = f"{label}-{name}-q{qos}-{n}-{token()}".encode()
                    started = time.time()
                    code = switch.publish(f"devices/{config['clients'][name]['id']}/cmd/power", payload, qos)
                    check(qos == 0 or code == 0, f"{label}: a command at QoS {qos} acknowledged with {code}")
                    sent[name][qos].append(payload)
                    if qos == 1:
                        got = lamp.wait_message(lambda m: m.payload == payload, f"{name}'s command at QoS 1")
                        latencies.append((got.at - started) * 1000)
        for name, lamp in lamps.items():
            for qos in (1, 2):
                for payload in sent[name][qos]:
                    lamp.wait_message(lambda m: m.payload == payload, f"{name}'s command {payload!r}")
        time.sleep(0.5)
        counts = {}
        for name, lamp in lamps.items():
            received = [m.payload for m in lamp.matching(lambda m: True)]
            for qos in (0, 1, 2):
                copies = [received.count(payload) for payload in sent[name][qos]]
                if qos == 0:
                    check(all(c <= 1 for c in copies), f"{label}: a QoS 0 command to {name} arrived twice")
                else:
                    check(all(c == 1 for c in copies), f"{label}: QoS {qos} commands to {name} arrived {copies}")
                counts[f"{name}_q{qos}"] = f"{sum(copies)}/{len(copies)}"
        for peer in [switch, *lamps.values()]:
            peer.disconnect()
        report[label] = {"received": counts, "qos1_ms_p50": percentile(latencies, 0.5), "qos1_ms_p99": percentile(latencies, 0.99)}
    print(json.dumps({"ok": True, "report": report}, indent=2), flush=True)


class Reconnecting:
    """A client that connects again whenever its connection ends, until stopped; each
    connection is a fresh Peer (paho reconnects nothing by itself here)."""

    def __init__(self, config, name, expiry=None, subscribe=None):
        self.config, self.name, self.expiry, self.subscribe = config, name, expiry, subscribe
        self.peer, self.gaps, self.lost_at = None, [], None
        self.stopping = False
        # Why attempts failed, by reason (a CONNACK's reason code, "tcp-tls", "silent"), for the report.
        self.refusals = {}

    def refused(self, reason):
        self.refusals[reason] = self.refusals.get(reason, 0) + 1
        return False

    def attempt(self, peer):
        """CONNECT (and SUBSCRIBE): True once accepted; False when refused, closed or silent."""
        properties = Properties(PacketTypes.CONNECT)
        if self.expiry is not None:
            properties.SessionExpiryInterval = self.expiry
        try:
            peer.client.connect(
                self.config.get("host", "127.0.0.1"), int(self.config["port"]), 2,
                clean_start=self.expiry is None, properties=properties)
        except Exception:  # refused at TCP or TLS while a node is away
            return self.refused("tcp-tls")
        peer.client.loop_start()
        peer.looping = True
        with peer.changed:
            peer.changed.wait_for(lambda: peer.connacks or peer.disconnects, 5)
        if not peer.connacks:
            return self.refused("closed" if peer.disconnects else "silent")
        if peer.connacks[-1][0] != 0 or peer.disconnects:
            return self.refused(f"connack {peer.connacks[-1][0]}")
        if self.subscribe:
            result, mid = peer.client.subscribe(self.subscribe, 1)
            with peer.changed:
                peer.changed.wait_for(lambda: mid in peer.subacks or peer.disconnects, 5)
            return peer.subacks.get(mid) == [1] and not peer.disconnects
        return True

    def connect(self, until=None):
        """A connected Peer, or None once stopped or past `until` (a time)."""
        while not self.stopping and (until is None or time.time() < until):
            peer = Peer(self.config, self.name, mqtt.MQTTv5, clean=self.expiry is None, expiry=self.expiry, keepalive=2)
            if self.attempt(peer):
                if self.lost_at is not None:
                    self.gaps.append(round(time.time() - self.lost_at, 2))
                    self.lost_at = None
                self.peer = peer
                return peer
            peer.close_abruptly()
            time.sleep(0.2)
        return None

    def alive(self):
        peer = self.peer
        if peer is None or peer.disconnects:
            if peer is not None and self.lost_at is None:
                self.lost_at = peer.disconnects[0][0]
                peer.close_abruptly()
            self.peer = None
            return False
        return True


def failover(config):
    lamp_id = config["clients"]["lamp"]["id"]
    duration, interval = float(config.get("duration", 12)), float(config.get("interval", 0.02))
    lamp = Reconnecting(config, "lamp", expiry=int(config.get("expiry", 300)), subscribe=f"devices/{lamp_id}/cmd/#")
    switch = Reconnecting(config, "switch")
    received, lamp_peers = [], []
    lock = threading.Lock()

    def keep_lamp():
        while not lamp.stopping:
            try:
                if not lamp.alive():
                    peer = lamp.connect()
                    if peer:
                        lamp_peers.append(peer)
            except Exception as error:  # said, and the lamp keeps trying: a dead keeper would look like a lost session
                emit({"event": "lamp-error", "error": repr(error)})
            time.sleep(0.05)

    check(lamp.connect() is not None and switch.connect() is not None, "the clients could not connect")
    lamp_peers.append(lamp.peer)
    keeper = threading.Thread(target=keep_lamp, daemon=True)
    keeper.start()
    emit({"event": "running", "time": time.time()})
    acknowledged, attempts = [], 0
    ends = time.time() + duration
    while time.time() < ends:
        if not switch.alive():
            switch.connect(until=ends)
            continue
        payload = f"n{attempts:06d}".encode()
        attempts += 1
        info = switch.peer.client.publish(f"devices/{lamp_id}/cmd/power", payload, qos=1)
        with switch.peer.changed:
            switch.peer.changed.wait_for(lambda: info.mid in switch.peer.acks or switch.peer.disconnects, 5)
        if switch.peer.acks.get(info.mid) == 0:
            acknowledged.append(payload)
        time.sleep(interval)
    switch.stopping = True

    def heard():
        with lock:
            return {m.payload for peer in lamp_peers for m in peer.matching(lambda m: True)}

    grace = time.time() + float(config.get("grace", 15))
    while time.time() < grace and not set(acknowledged) <= heard():
        time.sleep(0.1)
    lamp.stopping = True
    every = [m.payload for peer in lamp_peers for m in peer.matching(lambda m: True)]
    got = set(every)
    arrivals = sorted(m.at for peer in lamp_peers for m in peer.matching(lambda m: True))
    silence = max((b - a for a, b in zip(arrivals, arrivals[1:])), default=0)
    emit({"event": "report", "attempts": attempts, "acknowledged": len(acknowledged), "received": len(got),
          "lost": sorted(p.decode() for p in set(acknowledged) - got), "duplicates": len(every) - len(got),
          "lamp_gaps": lamp.gaps, "switch_gaps": switch.gaps,
          "lamp_refusals": lamp.refusals, "switch_refusals": switch.refusals, "longest_silence": round(silence, 2)})


def main():
    run_mode({"spread": spread, "failover": failover}, __doc__)


if __name__ == "__main__":
    main()
