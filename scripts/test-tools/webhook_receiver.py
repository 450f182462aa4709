#!/usr/bin/env python3
"""A webhook receiver for Hearth's alert webhooks, written apart from the hub: Python's own
http.server, hmac and hashlib check what the hub signs (docs/detection.md, "Webhook").

    webhook_receiver.py WORKDIR [--fail N]

Listens on 127.0.0.1 on a free port and prints "listening PORT" on its first line. Every POST is
recorded as one JSON line in WORKDIR/received.jsonl: its path, the Hearth-Delivery and
Hearth-Event headers, the signature header, whether the signature is valid under the secret in
WORKDIR/secret (read on every request: the test writes it after setting the webhook), the
signature's age in seconds, and the body parsed as JSON. The first N requests are answered 503
(to make the hub retry), the rest 204. Stops when WORKDIR/stop exists or after 10 minutes.
"""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, header, body):
    """Hearth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over "t.body">."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts:
        return False, None
    expected = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]), time.time() - int(parts["t"])


def main():
    workdir = sys.argv[1]
    fail = int(sys.argv[sys.argv.index("--fail") + 1]) if "--fail" in sys.argv else 0
    lock = threading.Lock()
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                with open(os.path.join(workdir, "secret"), "rb") as f:
                    secret = f.read().strip()
            except FileNotFoundError:
                secret = b""
            valid, age = verify(secret, self.headers.get("Hearth-Signature", ""), body)
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            with lock:
                count[0] += 1
                number = count[0]
                with open(os.path.join(workdir, "received.jsonl"), "a") as f:
                    f.write(json.dumps({
                        "path": self.path, "delivery": self.headers.get("Hearth-Delivery"),
                        "event": self.headers.get("Hearth-Event"), "signature": self.headers.get("Hearth-Signature"),
                        "valid": valid, "age": age, "content_type": self.headers.get("Content-Type"), "body": parsed,
                    }) + "\n")
            self.send_response(503 if number <= fail else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    deadline = time.time() + 600
    while time.time() < deadline and not os.path.exists(os.path.join(workdir, "stop")):
        time.sleep(0.1)
    server.shutdown()


if __name__ == "__main__":
    main()
