#!/usr/bin/env python3
"""Downloads a firmware image from a Hearth hub with python-tuf's ngclient (TUF specification 1.0),
a client nobody at Hearth wrote, and reports whether it verified (docs/firmware.md).

    tuf_client.py CONFIG.json

CONFIG: "base" (https://127.0.0.1:PORT), "ca" (the hub's root CA, PEM), "root" (the root.json
the device trusts first; read only when "dir" holds no trusted root yet), "dir" (the client's
metadata cache: keep it between runs, as a device does), "target" (model/file), "out" (download
folder), and optionally "attack", the compromised download path between client and hub:
  - "substitute": {"<file name>": "<local path>"}: answers a request for that metadata file with
    the local file instead (old metadata replayed, metadata re-signed by another key);
  - "flip_image": true: changes one byte of every image downloaded.

Prints one JSON line: {"ok": true, "sha256", "length", "custom", "fetched": [names]} or
{"ok": false, "error": "<exception class>", "message": "...", "fetched": [...]}.
"""
import hashlib
import json
import os
import shutil
import ssl
import sys
import urllib.error
import urllib.request

from tuf.api import exceptions
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface


class HubFetcher(FetcherInterface):
    """HTTPS trusting the hub's CA only, with the configured attack in the path."""

    def __init__(self, ca, attack):
        self.context = ssl.create_default_context(cafile=ca)
        self.attack = attack or {}
        self.fetched = []

    def _fetch(self, url):
        name = url.rsplit("/", 1)[-1]
        self.fetched.append(name)
        substitute = self.attack.get("substitute", {}).get(name)
        if substitute:
            with open(substitute, "rb") as f:
                yield f.read()
            return
        try:
            response = urllib.request.urlopen(url, context=self.context, timeout=30)
        except urllib.error.HTTPError as error:
            raise exceptions.DownloadHTTPError(f"{error.code} for {name}", error.code) from None
        body = response.read()
        if self.attack.get("flip_image") and "/tuf/targets/" in url and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        yield body


def main():
    with open(sys.argv[1]) as f:
        config = json.load(f)
    os.makedirs(config["dir"], exist_ok=True)
    os.makedirs(config["out"], exist_ok=True)
    trusted = os.path.join(config["dir"], "root.json")
    if not os.path.exists(trusted):
        shutil.copyfile(config["root"], trusted)
    fetcher = HubFetcher(config["ca"], config.get("attack"))
    result = {"fetched": fetcher.fetched}
    try:
        updater = Updater(
            metadata_dir=config["dir"],
            metadata_base_url=config["base"] + "/tuf/metadata/",
            target_dir=config["out"],
            target_base_url=config["base"] + "/tuf/targets/",
            fetcher=fetcher,
            bootstrap=None,
        )
        updater.refresh()
        info = updater.get_targetinfo(config["target"])
        if info is None:
            result.update(ok=False, error="TargetNotFound", message=f"no trusted target {config['target']}")
        else:
            path = updater.download_target(info)
            with open(path, "rb") as f:
                data = f.read()
            result.update(
                ok=True, sha256=hashlib.sha256(data).hexdigest(), length=len(data), custom=info.custom,
                path=path)
    except Exception as error:  # every refusal is the test's answer, reported, not a crash
        result.update(ok=False, error=type(error).__name__, message=str(error)[:500])
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
