#!/usr/bin/env python3
"""Print N JSON bodies for POST /v1/pki/certificates, one per line, each with a fresh P-256 key's
CSR (Hearth never certifies a key twice, so a load run needs one key per certificate).
Usage: make_csrs.py N > bodies.jsonl   (needs python3-cryptography)"""
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

count = int(sys.argv[1])
subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")])
out = sys.stdout
for _ in range(count):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    pem = csr.public_bytes(serialization.Encoding.PEM).decode()
    out.write(json.dumps({"csr": pem, "profile": "device"}) + "\n")
