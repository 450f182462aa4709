#!/usr/bin/env python3
"""A webhook receiver for Hearth's alert webhooks, written apart from the hub: Python's own
http.server, hmac and hashlib check what the hub signs (docs/detection.md, "Webhook").

    webhook_receiver.py WORKDIR [--fail N] [--tls CERT KEY]

Listens on 127.0.0.1 on a free port and prints "listening PORT" on its first line. Every POST is
recorded as one JSON line in WORKDIR/received.jsonl: its path, the Hearth-Delivery and
Hearth-Event headers, the signature header, whether the signature is valid under the secret in
WORKDIR/secret (read on every request: the test writes it after setting the webhook), the
signature's age in seconds, and the body parsed as JSON. The first N requests are answered 503
(to make the hub retry), the rest 204. With --tls it speaks HTTPS with that certificate and key
(PEM files; Python's own ssl module), and counts the handshakes that failed in WORKDIR/refused.
Stops when WORKDIR/stop exists or after 10 minutes.
"""
import hashlib
import hmac
import json
import os
import ssl
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
        def setup(self):
            if isinstance(self.request, ssl.SSLSocket):
                self.request.do_handshake()
            super().setup()

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

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            # A handshake the client broke off (it did not trust the certificate) ends here.
            with lock:
                with open(os.path.join(workdir, "refused"), "a") as f:
                    f.write(f"{sys.exc_info()[1]}\n")

    server = Server(("127.0.0.1", 0), Handler)
    if "--tls" in sys.argv:
        at = sys.argv.index("--tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[at + 1], sys.argv[at + 2])
        # The handshake in the handler's thread, not in accept(): a failing one must not stop the server.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(f"listening {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    deadline = time.time() + 600
    while time.time() < deadline and not os.path.exists(os.path.join(workdir, "stop")):
        time.sleep(0.1)
    server.shutdown()


if __name__ == "__main__":
    main()
