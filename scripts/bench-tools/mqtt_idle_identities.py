#!/usr/bin/env python3
"""Idle device identities for `hearth-bench mqtt --idle-connections`, issued in bulk through a
running hub's owner API (POST /v1/pki/certificates, one HTTPS keep-alive connection): a device
per identity, zone default, named idleN. Writes idleN.key (P-256) and idleN.pem (chain, leaf
first) into OUT and appends 'subscriber idleN <device id> devices/<device id>/cmd/#' lines to
OUT/manifest.txt. (`hearth ca issue` does the same at about 60 ms a device.)
Usage: mqtt_idle_identities.py HUB-URL ROOT-PEM EMAIL PASSWORD OUT FIRST COUNT   (python3-cryptography)"""
import http.client
import json
import os
import ssl
import sys
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

url, root, email, password, out = sys.argv[1:6]
first, count = int(sys.argv[6]), int(sys.argv[7])
parsed = urllib.parse.urlparse(url)
connection = http.client.HTTPSConnection(
    parsed.hostname, parsed.port, context=ssl.create_default_context(cafile=root), timeout=60)


def post(path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request("POST", path, json.dumps(body), headers)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"POST {path}: HTTP {response.status}: {data[:300]!r}")
    return json.loads(data)


token = post("/v1/session", {"email": email, "password": password})["token"]
lines = []
for index in range(first, first + count):
    name = f"idle{index}"
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    issued = post("/v1/pki/certificates", {
        "csr": csr.public_bytes(serialization.Encoding.PEM).decode(), "profile": "device", "name": name}, token)
    chain = issued["chain_pem"]
    leaf = x509.load_pem_x509_certificate(chain.encode())
    device = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    key_path = os.path.join(out, name + ".key")
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    with open(os.path.join(out, name + ".pem"), "w") as f:
        f.write(chain if chain.endswith("\n") else chain + "\n")
    lines.append(f"subscriber {name} {device} devices/{device}/cmd/#\n")
with open(os.path.join(out, "manifest.txt"), "a") as f:
    f.writelines(lines)
