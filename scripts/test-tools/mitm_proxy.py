#!/usr/bin/env python3
"""A machine in the middle between a pairing device and the hub, for Hearth's pairing tests.

It terminates the device's TLS with a certificate of its own CA (as a LAN attacker would),
opens its own TLS connection to the hub, and then, by --mode:

  relay        forwards every request and answer unchanged;
  substitute   swaps the CSR of every pairing request for one of its own key, and reports the
               hub's real TLS key instead of its own (the best it can do without the secret);
  impersonate  answers pairing requests itself, "approving" the device with a certificate for
               the device's own key signed by its CA and its CA as the root to pin.

Every answer from the hub that carries a certificate chain is appended to WORKDIR/obtained.jsonl,
so a test can check that none certifies the attacker's key. It prints `listening PORT` when ready.
Usage: mitm_proxy.py --hub 127.0.0.1:8443 --mode substitute --workdir DIR
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import ipaddress
import json
import os
import secrets
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PAIRING_PATHS = ("/v1/pairing/code", "/v1/pairing/secret", "/v1/pairing/attest")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def spki_hash(cert):
    return hashlib.sha256(cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).digest()


def make_certificate(subject, issuer, key, issuer_key, ca, sans=None, client=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if client:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class Attacker:
    def __init__(self, hub, mode, workdir):
        self.hub_host, self.hub_port = hub.rsplit(":", 1)[0], int(hub.rsplit(":", 1)[1])
        self.mode = mode
        self.workdir = workdir
        self.lock = threading.Lock()
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = make_certificate("Hearth root CA", "Hearth root CA", self.ca_key.public_key(), self.ca_key, True)
        tls_key = ec.generate_private_key(ec.SECP256R1())
        tls = make_certificate("hearth", "Hearth root CA", tls_key.public_key(), self.ca_key, False,
                               [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        self.key = ec.generate_private_key(ec.SECP256R1())
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device")]))
               .sign(self.key, hashes.SHA256()))
        self.csr_pem = csr.public_bytes(serialization.Encoding.PEM).decode()
        self.key_fingerprint = hashlib.sha256(self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)).hexdigest()
        self.write("proxy-ca.pem", pem(self.ca))
        self.write("attacker.csr", self.csr_pem)
        self.write("attacker-key-fingerprint", self.key_fingerprint)
        self.write("tls.pem", pem(tls) + pem(self.ca))
        self.write("tls.key", tls_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
        self.client_context = ssl.create_default_context()
        self.client_context.check_hostname = False
        self.client_context.verify_mode = ssl.CERT_NONE
        self.hub_key = b64url(spki_hash(self.hub_certificate()))
        self.pending = {}

    def write(self, name, text):
        with open(os.path.join(self.workdir, name), "w") as handle:
            handle.write(text)

    def hub_certificate(self):
        connection = http.client.HTTPSConnection(self.hub_host, self.hub_port, context=self.client_context, timeout=10)
        connection.connect()
        der = connection.sock.getpeercert(binary_form=True)
        connection.close()
        return x509.load_der_x509_certificate(der)

    def forward(self, method, path, headers, body):
        connection = http.client.HTTPSConnection(self.hub_host, self.hub_port, context=self.client_context, timeout=30)
        kept = {name: value for name, value in headers.items()
                if name.lower() in ("content-type", "accept", "authorization")}
        connection.request(method, path, body=body, headers=kept)
        response = connection.getresponse()
        answer = (response.status, response.getheader("Content-Type", "application/json"), response.read())
        connection.close()
        if b"chain_pem" in answer[2]:
            with self.lock, open(os.path.join(self.workdir, "obtained.jsonl"), "ab") as handle:
                handle.write(answer[2].replace(b"\n", b"") + b"\n")
        return answer

    def forged(self, csr_pem, device_id):
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        leaf = make_certificate(device_id, "Hearth root CA", csr.public_key(), self.ca_key, False, client=True)
        return {
            "device_id": device_id, "chain_pem": pem(leaf) + pem(self.ca), "root_pem": pem(self.ca),
            "certificate": {"serial": format(leaf.serial_number, "x"), "origin": "pairing"},
            "hub_proof": b64url(secrets.token_bytes(32)),
        }

    def handle(self, method, path, headers, body):
        """Returns (status, content type, body)."""
        if path in PAIRING_PATHS and method == "POST":
            request = json.loads(body or b"{}")
            if self.mode == "substitute":
                request["csr"] = self.csr_pem
                request["hub_key"] = self.hub_key
                return self.forward(method, path, headers, json.dumps(request).encode())
            if self.mode == "impersonate":
                if path in ("/v1/pairing/secret", "/v1/pairing/attest"):
                    return 201, "application/json", json.dumps(self.forged(request["csr"], "impostor")).encode()
                request_id = b64url(secrets.token_bytes(16))
                self.pending[request_id] = request["csr"]
                started = {"request_id": request_id, "poll_token": "hpt_" + b64url(secrets.token_bytes(32)),
                           "user_code": "BCDF-GHJK", "hub_nonce": b64url(secrets.token_bytes(32)),
                           "interval": 1, "expires_in": 600}
                return 201, "application/json", json.dumps(started).encode()
        if path == "/v1/pairing/code/poll" and self.mode == "impersonate":
            request = json.loads(body or b"{}")
            csr = self.pending.get(request.get("request_id"))
            if csr:
                return 200, "application/json", json.dumps(self.forged(csr, "impostor")).encode()
        return self.forward(method, path, headers, body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hub", required=True)
    parser.add_argument("--mode", choices=["relay", "substitute", "impersonate"], required=True)
    parser.add_argument("--workdir", required=True)
    arguments = parser.parse_args()
    attacker = Attacker(arguments.hub, arguments.mode, arguments.workdir)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            try:
                status, content_type, payload = attacker.handle(self.command, self.path, self.headers, body)
            except Exception as error:  # the device sees a broken hub, as it would
                status, content_type, payload = 502, "text/plain", str(error).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = answer

        def log_message(self, format, *args):
            sys.stderr.write("mitm: " + (format % args) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(arguments.workdir, "tls.pem"), os.path.join(arguments.workdir, "tls.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
