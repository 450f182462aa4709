#!/usr/bin/env python3
"""Independent verifier for a Hearth audit log bundle.

This is the independent check described in docs/audit.md: it is written from RFC 9162
(section 2.1.1 for the Merkle Tree Hash, 2.1.3.2 and 2.1.4.2 for verifying inclusion and
consistency proofs) and the C2SP signed-note format, and shares no code with the hub. It
recomputes every leaf hash from the entry's fields, checks each proof against the root in
a signed checkpoint, and never trusts a hash the hub served when it can compute it itself.

    scripts/audit-verify.py BUNDLE.json    verify a bundle (format in docs/audit.md)
    scripts/audit-verify.py --self-test    check the RFC 6962 Certificate Transparency vectors

Prints one `ok ...` or `FAIL ...` line per check and a summary; exits 0 only if all passed.
"""
import base64, hashlib, json, struct, sys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

sha256 = lambda data: hashlib.sha256(data).digest()
leaf_hash = lambda leaf_input: sha256(b"\x00" + leaf_input)
node_hash = lambda left, right: sha256(b"\x01" + left + right)
b64 = lambda text: base64.b64decode(text, validate=True)


def mth(leaves):
    """RFC 9162 2.1.1: the Merkle Tree Hash of a list of leaf hashes."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2, plus the trivial cases it leaves to the caller (equal or empty trees)."""
    if first > second:
        return False
    if first == second or first == 0:
        return not path and (first_root == second_root if first == second else first_root == sha256(b""))
    if not path:
        return False
    if first & (first - 1) == 0:  # an exact power of two
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def key_id(name, public_key):
    return sha256(name.encode() + b"\n\x01" + public_key)[:4]


def parse_key(text):
    """`<name>+<8 hex keyid>+<base64(0x01 || 32-byte Ed25519 key)>`, keyid checked."""
    name, hex_id, encoded = text.split("+", 2)  # a name never contains "+", base64 may
    raw = b64(encoded)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    if bytes.fromhex(hex_id) != key_id(name, raw[1:]) or len(hex_id) != 8:
        raise ValueError("key id does not match the key")
    return name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:])


def parse_note(text, key):
    """Checks the note's signature by `key` and its origin; returns (size, root hash)."""
    name, kid, public_key = key
    body, sep, signatures = text.partition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise ValueError("not a signed note")
    body += "\n"
    verified = False
    for line in signatures[:-1].split("\n"):
        dash, signer, encoded = line.split(" ")
        raw = b64(encoded)
        if dash == "\u2014" and signer == name and raw[:4] == kid and len(raw) == 68:
            try:
                public_key.verify(raw[4:], body.encode())
            except InvalidSignature:
                raise ValueError(f"bad signature by {name}") from None
            verified = True
    if not verified:
        raise ValueError(f"no signature by {name}")
    lines = body[:-1].split("\n")
    if len(lines) != 4 or lines[0] != name or not lines[3].startswith("timestamp "):
        raise ValueError("the body is not `origin / size / root / timestamp` with origin " + name)
    size, root = int(lines[1]), b64(lines[2])
    if len(root) != 32 or str(size) != lines[1] or not lines[3][10:].isdigit():
        raise ValueError("malformed size, root or timestamp")
    return size, root


def canonical_details(details):
    def escape(text):
        table = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
        return "".join(table.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in text)
    return "{" + ",".join(f'"{escape(k)}":"{escape(v)}"' for k, v in sorted(details.items())) + "}"


def entry_leaf_hash(entry):
    """Recomputes details_commitment (unless redacted) and the leaf hash from the entry's fields."""
    commitment = b64(entry["details_commitment"])
    if entry["details"] is not None:
        salt = b64(entry["details_salt"]) if entry.get("details_salt") else b""
        if sha256(salt + canonical_details(entry["details"]).encode()) != commitment:
            raise ValueError("details do not match details_commitment")
    if len(commitment) != 32:
        raise ValueError("details_commitment is not 32 bytes")
    field = lambda data: struct.pack(">I", len(data)) + data
    text = [entry["household_id"] or "", entry["actor"], entry["action"], entry["subject"], entry["reason"]]
    leaf_input = b"\x01" + struct.pack(">Qq", entry["index"], entry["time_ms"])
    leaf_input += b"".join(field(t.encode()) for t in text) + field(commitment)
    return leaf_hash(leaf_input)


def verify_bundle(bundle):
    failures, counts = 0, {"entries": 0, "checkpoints": 0, "inclusion": 0, "consistency": 0}

    def check(kind, label, fn):
        nonlocal failures
        try:
            result = fn()
        except Exception as error:  # every failure is reported, then the run goes on
            failures += 1
            print(f"FAIL {label}: {type(error).__name__}: {error}")
            return None
        print(f"ok {label}")
        if kind in counts:
            counts[kind] += 1
        return result

    key = check("key", "verifier key " + bundle["key"], lambda: parse_key(bundle["key"]))

    def note(text):
        if key is None:
            raise ValueError("no valid verifier key to check the note with")
        return parse_note(text, key)

    leaves = {}
    for entry in bundle.get("entries", []):
        def entry_check(entry=entry):
            computed = entry_leaf_hash(entry)
            if computed != b64(entry["leaf_hash"]):
                raise ValueError("recomputed leaf hash differs from the served leaf_hash")
            return computed
        leaves[entry["index"]] = check("entries", f"entry {entry['index']} leaf hash", entry_check)
    roots = [check("checkpoints", f"checkpoint {i} signature", lambda t=t: note(t))
             for i, t in enumerate(bundle.get("checkpoints", []))]
    for proof in bundle.get("inclusion", []):
        def inclusion_check(proof=proof):
            size, root = note(proof["note"])
            leaf = leaves.get(proof["entry_index"])
            if leaf is None:
                raise ValueError("the bundle has no entry with that index whose leaf hash verified")
            if size != proof["size"]:
                raise ValueError(f"the note is for size {size}")
            if not verify_inclusion(proof["entry_index"], size, leaf, [b64(p) for p in proof["audit_path"]], root):
                raise ValueError("the audit path does not lead to the signed root")
        check("inclusion", f"inclusion of entry {proof['entry_index']} in size {proof['size']}", inclusion_check)
    for i, proof in enumerate(bundle.get("consistency", [])):
        def consistency_check(proof=proof):
            (first, first_root), (second, second_root) = note(proof["old_note"]), note(proof["new_note"])
            path = [b64(p) for p in proof["consistency_path"]]
            if not verify_consistency(first, second, first_root, second_root, path):
                raise ValueError(f"the path does not prove size {first} is a prefix of size {second}")
        check("consistency", f"consistency proof {i}", consistency_check)
    if bundle.get("all_leaves"):
        n = len(leaves)
        def contiguous():
            if sorted(leaves) != list(range(n)) or None in leaves.values():
                raise ValueError("all_leaves needs verified entries 0..n-1")
            return [leaves[i] for i in range(n)]
        ordered = check("all", f"entries are the whole log 0..{n - 1}", contiguous)
        for size, root in [r for r in roots if r and ordered]:
            if size > n:
                print(f"skip root of size {size}: only {n} leaves given")
                continue
            def root_check(size=size, root=root):
                if mth(ordered[:size]) != root:
                    raise ValueError("the recomputed Merkle Tree Hash differs from the signed root")
            check("all", f"recomputed root of size {size}", root_check)
    if failures:
        print(f"{failures} check(s) failed")
    print(f"verified: {counts['entries']} entries, {counts['checkpoints']} checkpoints, "
          f"{counts['inclusion']} inclusion proofs, {counts['consistency']} consistency proofs")
    return failures == 0


def self_test():
    """RFC 6962's reference vectors (Certificate Transparency's merkle_tree_test), and that tampering fails."""
    hexes = lambda text: [bytes.fromhex(h) for h in text.split()]
    leaves = [leaf_hash(bytes.fromhex(h)) for h in
              ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
    roots = hexes("""
        6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
        fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
        aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77
        d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
        4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4
        76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef
        ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c
        5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328""")
    inclusion = hexes("""
        bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
        ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
        d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7""")
    consistency = hexes("""
        0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a
        ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
        d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7""")
    flipped = [bytes([inclusion[0][0] ^ 1]) + inclusion[0][1:]] + inclusion[1:]
    checks = [(f"root of size {n}", mth(leaves[:n]) == roots[n - 1]) for n in range(1, 9)] + [
        ("root of the empty tree", mth([]).hex().startswith("e3b0c44298fc1c14")),
        ("inclusion of leaf 5 in size 8", verify_inclusion(5, 8, leaves[5], inclusion, roots[7])),
        ("tampered inclusion path fails", not verify_inclusion(5, 8, leaves[5], flipped, roots[7])),
        ("inclusion of another leaf fails", not verify_inclusion(5, 8, leaves[4], inclusion, roots[7])),
        ("consistency of size 6 with 8", verify_consistency(6, 8, roots[5], roots[7], consistency)),
        ("consistency with a wrong old root fails", not verify_consistency(6, 8, roots[4], roots[7], consistency)),
    ]
    for label, passed in checks:
        print(("ok " if passed else "FAIL ") + label)
    return all(passed for _, passed in checks)


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(0 if self_test() else 1)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.exit(0 if verify_bundle(json.load(f)) else 1)
