#!/usr/bin/env python3
"""The household console (/console) in a real browser: headless Chromium driven by Selenium.

Starts `hearth serve` on free ports of 127.0.0.1 in a fresh data folder, then, as a person would:

- enrolls the owner's TOTP second factor through the JSON API; the console refuses the password
  alone and signs the owner in with password and code;
- opens pairing, runs a virtual device (`hearth device pair --mode code`), sees its request appear
  on the open pairing page without a reload (server-sent events); a mistyped code is refused on
  the pairing page, which stays live without sending the form again; approves the request with
  the code and verification value the device printed; on the alerts page sees a topic-scanning
  alert (25 refused publishes from mosquitto_pub with the device's certificate) appear without a
  reload, with the device's risk, and acknowledges it; on the firmware page sees the device turn
  out of posture without a reload when a requirement is set through the API (after the device
  reported its firmware over mutual TLS), and removes the requirement with the page's form; sees
  the device page say "connected:
  yes" without a reload once `mosquitto_sub` connects with the device's certificate;
- revokes the device's certificates from its page (with the confirmation step) and checks that
  the broker cut `mosquitto_sub` off and the page says the certificate is revoked;
- checks that a change made after a page was rendered but before its event stream started (or
  while it reconnects) still reaches the page;
- checks that forms posted from another origin are refused and that the console does not render
  in a frame of another origin;
- verifies an audit entry in the browser (inclusion proof and checkpoint signature), then sees the
  check fail on a proof altered by one byte;
- declares two flows for the device through the API, then on the privacy page allows the one
  that needs consent (the API's map then says consented) and stops it again, and erases the
  device's telemetry through the confirmation step;
- invites a member through the API, signs in as them, checks that they see no owner pages or
  actions, and that an owner's form posted with their own valid CSRF token is refused (403);
- takes a desktop and a phone screenshot of every page;
- on every page: no stray "nil", the style sheet applied; in the end: no script error or CSP
  violation in the browser's log (but the framing refusal it expects), and the hub stops cleanly
  on SIGTERM having logged no error.

Prints what it does; exits 1 with a message naming the first check that failed (and a screenshot
`failure.png` of the browser beside the others), 2 on bad arguments. The hub, the device,
mosquitto_sub, the attacker's web server and the browser it started are always stopped.

    python3 scripts/test-tools/console_browser.py --hearth .build/debug/hearth \\
        --work "$(mktemp -d)" --screenshots .build/console-screenshots
"""

import argparse
import base64
import ctypes
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

OWNER = "owner@home.arpa"
MEMBER = "member@home.arpa"
MEMBER_PASSWORD = "a member's long password 42"
WAIT = 30  # seconds: the longest any single wait may take
DESKTOP = (1280, 900)
PHONE = (375, 812)
STARTED = time.monotonic()


class CheckFailed(Exception):
    pass


def log(message):
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def wait_until(description, predicate, timeout=WAIT, interval=0.05):
    """Polls `predicate` until it returns something truthy (returned), or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout} s waiting for {description}")
        time.sleep(interval)


# ---------------------------------------------------------------- TOTP (RFC 6238, RFC 4226)


class Authenticator:
    """An authenticator app: SHA-1, 6 digits, 30-second steps. The hub accepts each step once and
    one step either side of its own, so each code comes from a step later than the last used."""

    def __init__(self, base32_secret):
        padded = base32_secret.upper() + "=" * (-len(base32_secret) % 8)
        self.key = base64.b32decode(padded)
        self.last_step = None

    def code_for(self, step):
        digest = hmac.new(self.key, struct.pack(">Q", step), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
        return f"{number % 1_000_000:06d}"

    def next_code(self):
        while True:
            now = int(time.time()) // 30
            for step in (now - 1, now, now + 1):
                if self.last_step is None or step > self.last_step:
                    self.last_step = step
                    return self.code_for(step)
            # Every acceptable step has been used: the next one comes within 30 s.
            time.sleep(30 - time.time() % 30 + 0.2)


def self_test_totp():
    # RFC 6238 appendix B, SHA-1, truncated to 6 digits.
    totp = Authenticator(base64.b32encode(b"12345678901234567890").decode())
    for seconds, expected in ((59, "287082"), (1111111109, "081804"), (2000000000, "279037")):
        check(totp.code_for(seconds // 30) == expected, f"TOTP self-test failed at T={seconds}")


# ---------------------------------------------------------------- processes


def die_with_parent():
    """In a child before exec: SIGKILL it if this script dies (even by SIGKILL), so no hub,
    device or driver outlives a killed run."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Child:
    """A child process whose standard output and error go to files in the work folder. Every one
    started is stopped at the end, whatever happened."""

    started = []

    def __init__(self, name, arguments, work, stdin=subprocess.DEVNULL):
        Child.started.append(self)
        self.name = name
        self.out_path = os.path.join(work, f"{name}.out")
        self.err_path = os.path.join(work, f"{name}.err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        log(f"start {name}: {' '.join(arguments)}")
        self.process = subprocess.Popen(
            arguments, stdin=stdin, stdout=self.out, stderr=self.err, preexec_fn=die_with_parent)

    def output(self):
        with open(self.out_path, "rb") as file:
            return file.read().decode("utf-8", "replace")

    def errors(self):
        with open(self.err_path, "rb") as file:
            return file.read().decode("utf-8", "replace")

    def wait_for_output(self, description, predicate, timeout=WAIT):
        def ready():
            text = self.output()
            if predicate(text):
                return text
            if self.process.poll() is not None and not predicate(self.output()):
                raise CheckFailed(
                    f"{self.name} exited {self.process.returncode} before {description}; "
                    f"stdout: {self.output()[-2000:]} stderr: {self.errors()[-2000:]}")
            return None
        return wait_until(f"{self.name}: {description}", ready, timeout)

    def wait_for_exit(self, timeout):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, graceful=True):
        if self.process.poll() is None:
            if graceful:
                self.process.send_signal(signal.SIGTERM)
                if self.wait_for_exit(15) is not None:
                    log(f"stopped {self.name} (exit {self.process.returncode})")
                    self.close()
                    return
                log(f"{self.name} did not stop on SIGTERM within 15 s; killing it")
            self.process.kill()
            self.process.wait(timeout=10)
            log(f"killed {self.name}")
        self.close()

    def close(self):
        if not self.out.closed:
            self.out.close()
            self.err.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def line_value(prefix, text):
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return line[len(prefix) + 1:].strip()
    return None


# ---------------------------------------------------------------- the hub's JSON API


class API:
    """The hub's JSON API (and any other request) over TLS trusting the hub's root alone."""

    def __init__(self, base, ca):
        self.base = base
        self.address = urllib.parse.urlsplit(base)
        self.tls = ssl.create_default_context(cafile=ca)  # only this root: no system CA, no proxy
        self.token = None

    def send(self, method, path, body=None, form=None, headers=None, token=True):
        """One request on a new connection: (status, response text)."""
        headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection = http.client.HTTPSConnection(
            self.address.hostname, self.address.port, context=self.tls, timeout=WAIT)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def call(self, method, path, body=None, expect=(200,), token=True):
        status, text = self.send(method, path, body=body, token=token)
        check(status in expect, f"{method} {path}: expected {expect}, got {status} {text[:500]}")
        return json.loads(text) if text else {}


# ---------------------------------------------------------------- the attacker's site


class AttackerSite:
    """Another site (http://localhost:PORT — another host than 127.0.0.1, so another site) with
    a form that posts itself to the console, and a page framing the console."""

    def __init__(self, hub, device_id):
        form = (
            "<!doctype html><title>Win a prize</title>"
            f'<form id="attack" method="post" action="{hub}/console/devices/{device_id}/quarantine">'
            '<input type="hidden" name="csrf" value="guessed">'
            '<input type="hidden" name="confirmed" value="yes">'
            '<input type="hidden" name="reason" value="cross-site forgery"></form>'
            "<script>document.getElementById('attack').submit()</script>")
        frame = (
            "<!doctype html><title>Framed</title><h1 id=\"attacker\">Look at this</h1>"
            f'<iframe id="victim" src="{hub}/console/overview" width="800" height="600"></iframe>')
        pages = {"/form.html": form.encode(), "/frame.html": frame.encode()}
        self.visits = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                site.visits.append(self.path)
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not here")

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        log(f"attacker site on {self.origin}")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- the browser


def start_browser(work):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new", "--no-sandbox", "--ignore-certificate-errors", "--disable-gpu", "--disable-dev-shm-usage",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}", f"--user-data-dir={os.path.join(work, 'chromium-profile')}",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(
        "/usr/bin/chromedriver", log_output=os.path.join(work, "chromedriver.log"), popen_kw={"preexec_fn": die_with_parent})
    log("start chromium (headless) through chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    return driver


class Console:
    """The browser on the hub's console, with the checks every page gets."""

    def __init__(self, driver, base, screenshots):
        self.driver = driver
        self.base = base
        self.screenshots = screenshots
        self.taken = []
        self.console_problems = []

    def wait(self, description, condition, timeout=WAIT):
        try:
            return WebDriverWait(
                self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,),
            ).until(lambda driver: condition())
        except TimeoutException:
            raise CheckFailed(
                f"timed out after {timeout} s waiting for {description} (at {self.driver.current_url}: "
                f"{self.text()[:800]!r})") from None

    def open(self, path):
        self.driver.get(self.base + path)
        self.wait(f"{path} to load", lambda: self.driver.execute_script("return document.readyState") == "complete")

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return ""

    def heading(self):
        return self.read("main#main h1")

    def element(self, selector):
        found = self.driver.find_elements(By.CSS_SELECTOR, selector)
        check(found, f"no element {selector} on {self.path()}: {self.text()[:800]!r}")
        return found[0]

    def read(self, selector):
        """The text of the first element matching `selector`, read in one step (a live region may
        replace it at any moment); None if there is none."""
        return self.driver.execute_script(
            "const element = document.querySelector(arguments[0]); return element ? element.innerText.trim() : null",
            selector)

    def submit(self, selector):
        """Clicks a form's button and waits for the page that answers it (a new document, even
        at the same address)."""
        self.driver.execute_script("window.__leaving = 1")
        self.element(selector).click()
        self.wait(
            f"the answer to {selector}",
            lambda: self.driver.execute_script("return window.__leaving === undefined && document.readyState === 'complete'"))

    def type(self, selector, text):
        field = self.element(selector)
        field.clear()
        field.send_keys(text)

    def landed(self, path_pattern, heading):
        """Waits for a page at a path matching `path_pattern` with `heading`, then checks it."""
        self.wait(
            f"a page at {path_pattern} headed {heading!r}",
            lambda: re.fullmatch(path_pattern, self.path()) and self.heading() == heading
            and self.driver.execute_script("return document.readyState") == "complete")
        self.check_page()

    def check_page(self):
        """What every console page must be: no stray "nil" (a missing value printed), its style
        sheet applied under the CSP; script errors and CSP violations are collected and fail the
        run at its end."""
        body = self.text()
        stray = [line for line in body.splitlines() if line.strip() in ("nil", "Optional(nil)")]
        if stray:
            raise CheckFailed(f"{self.path()} shows a stray {stray[0]!r}: {body[:600]!r}")
        styled = self.driver.execute_script(
            "return [...document.styleSheets].some((sheet) => sheet.href && sheet.href.endsWith('/console/assets/console.css')"
            " && sheet.cssRules.length > 0)")
        check(styled, f"{self.path()} has no console.css applied")
        for problem in self.browser_log():
            self.console_problems.append(problem)

    def browser_log(self):
        problems = []
        for entry in self.driver.get_log("browser"):
            message = entry.get("message", "")
            # A 403/404 answer (a refusal the test provoked, /favicon.ico) is logged as a failed
            # load; only script errors and CSP violations are the page's fault.
            if entry.get("level") == "SEVERE" and "Failed to load resource" not in message:
                problems.append(message)
        return problems

    def mark(self):
        """Marks the loaded document; `still_marked` tells whether the page was not reloaded."""
        self.driver.execute_script("window.__marker = 1")

    def still_marked(self):
        return self.driver.execute_script("return window.__marker") == 1

    def screenshot(self, name):
        """`<name>-desktop.png` and `<name>-phone.png`, each as tall as the page (up to 4000 px)."""
        for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": label == "phone"}
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            full = self.driver.execute_script(
                "return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)")
            metrics["height"] = max(height, min(int(full), 4000))
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            if label == "phone":
                overflow = self.driver.execute_script("return document.documentElement.scrollWidth")
                if overflow > width + 1:
                    self.console_problems.append(f"{name}: the page is {overflow} px wide on a {width} px phone")
            path = os.path.join(self.screenshots, f"{name}-{label}.png")
            check(self.driver.save_screenshot(path), f"could not save {path}")
            self.taken.append(path)
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        log(f"screenshots of {name}")


# ---------------------------------------------------------------- the walk-through


def start_hub(arguments, work):
    data = os.path.join(work, "data")
    hub = Child("hub", [arguments.hearth, "serve", "--data", data, "--listen", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0"], work)
    text = hub.wait_for_output(
        "its ports and the owner's password",
        lambda t: "Hearth is serving https://" in t and "MQTT broker on mqtts://" in t and "one-time password:" in t,
        timeout=60)
    port = int(re.search(r"Hearth is serving https://127\.0\.0\.1:(\d+)", text).group(1))
    mqtt_port = int(re.search(r"MQTT broker on mqtts://127\.0\.0\.1:(\d+)", text).group(1))
    password = re.search(r"one-time password:\s*(\S+)", text).group(1)
    log(f"hub on https://127.0.0.1:{port}, MQTT on {mqtt_port}")
    return hub, port, mqtt_port, password, os.path.join(data, "ca-root.pem")


def enroll_totp(api, password):
    api.token = api.call("POST", "/v1/session", {"email": OWNER, "password": password}, expect=(201,), token=False)["token"]
    enrollment = api.call("POST", "/v1/me/second-factor", expect=(201,))
    check(enrollment.get("otpauth_uri", "").startswith("otpauth://totp/"), f"enrollment: {enrollment}")
    authenticator = Authenticator(enrollment["secret"])
    confirmed = api.call("POST", "/v1/me/second-factor/confirm", {"code": authenticator.next_code()})
    check(len(confirmed.get("recovery_codes", [])) == 10, f"confirmation: {confirmed}")
    # From now on the password alone does not sign in.
    status, text = api.send("POST", "/v1/session", {"email": OWNER, "password": password}, token=False)
    check(status == 401, f"sign-in without the second factor: {status} {text[:300]}")
    log("owner enrolled TOTP through the API; the password alone is refused")
    return authenticator


def sign_in(console, email, password, totp=None):
    console.open("/console/sign-in")
    console.landed("/console/sign-in", "Sign in")
    check(not console.driver.find_elements(By.CSS_SELECTOR, "[role=alert]"),
          f"the sign-in form shows an alert before anything was typed: {console.text()[:400]!r}")
    console.type("#email", email)
    console.type("#password", password)
    if totp is not None:
        console.type("#totp", totp)
    console.submit("#sign-in button[type=submit]")
    console.landed("/console/overview", "Overview")
    log(f"{email} signed in on the console" + (" with TOTP" if totp else ""))


def pair_device(console, arguments, work, port):
    console.open("/console/pairing")
    console.landed("/console/pairing", "Pairing")
    console.submit("#open-window")
    console.landed("/console/pairing", "Pairing")
    console.element("#close-window")
    console.wait("the countdown to run", lambda: re.fullmatch(r"\d+:\d\d", console.read("#countdown").strip()))
    log("pairing opened from the pairing page")

    console.mark()
    state = os.path.join(work, "device")
    device = Child("device", [
        arguments.hearth, "device", "pair", "--hub", f"https://127.0.0.1:{port}", "--mode", "code", "--state", state], work)
    shown = device.wait_for_output("its code and verification value", lambda t: "verify: " in t and t.endswith("\n"))
    code, verify = line_value("code:", shown), line_value("verify:", shown)
    check(code and verify, f"the device printed no code or verification value: {shown!r}")
    log(f"the device shows code {code} and verification value {verify}")

    console.wait(
        "the request to appear on the open pairing page",
        lambda: console.driver.find_elements(By.CSS_SELECTOR, "#pairing-requests tr[data-request]"))
    check(console.still_marked(), "the pairing page was reloaded to show the request (it should update in place)")
    check(not console.driver.find_elements(By.ID, "no-requests"), "the page still says no device is asking")
    log("the request appeared on the pairing page without a reload")
    console.screenshot("pairing")

    # A mistyped code: the pairing page again, with the error, as the answer to the form. It stays
    # live (the device's first poll shows up on it) without sending the form again.
    console.type("#user_code", "BCDF-GHJK")
    console.type("#verify", verify)
    console.type("#approve-name", "Hall sensor")
    console.submit("#approve-button")
    console.landed("/console/pairing/approve", "Pairing")
    alert = console.read("main [role=alert]")
    check(alert, "a mistyped code shows no error")
    console.mark()
    log(f"a mistyped code is refused on the pairing page: {alert!r}")
    if "showing its code" in console.read("#requests-live"):
        log("(the device had already polled when that page was rendered: its live update is not exercised this time)")
    console.wait(
        "the device's first poll to show on the pairing page",
        lambda: "showing its code" in console.read("#requests-live"))
    check(console.still_marked(),
          "the pairing page shown after a refused form was reloaded by the live update, sending the form again")
    check(console.read("main [role=alert]") == alert, "the error went away")
    log("the device's poll showed on that page without a reload (the form was not sent again)")

    zones = [option.get_attribute("value") for option in console.driver.find_elements(By.CSS_SELECTOR, "#zones option")]
    check("default" in zones, f"the zone list lacks 'default': {zones}")
    zone = next((z for z in zones if z != "default"), "default")
    console.type("#user_code", code)
    console.type("#verify", verify)
    console.type("#approve-zone", zone)
    console.type("#approve-name", "Hall sensor")
    console.submit("#approve-button")
    console.landed(r"/console/devices/[^/]+", "Hall sensor")
    device_id = console.path().rsplit("/", 1)[1]
    check(console.read("#device-name") == "Hall sensor", "the device page shows another name")
    check(console.read("#device-state") == "active", f"state {console.read('#device-state')!r}")
    log(f"approved: the console shows the device page of {device_id} in zone {zone}")

    status = device.wait_for_exit(WAIT)
    check(status == 0, f"the device did not finish pairing (exit {status}): {device.output()} {device.errors()[-2000:]}")
    check(line_value("device:", device.output()) == device_id,
          f"the device says it is {line_value('device:', device.output())}, the console {device_id}")
    device.close()
    log("the device finished pairing (exit 0) and rotated its key")
    return device_id, state


def connect_device(console, work, mqtt_port, ca, device_id, state):
    check(console.read("#device-connected") == "no", "the device is connected before mosquitto_sub started")
    console.mark()
    subscriber = Child("mosquitto_sub", [
        "/usr/bin/stdbuf", "-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port), "--cafile", ca,
        "-V", "mqttv5", "-d", "--cert", os.path.join(state, "certificate.pem"), "--key", os.path.join(state, "key.pem"),
        "-t", f"devices/{device_id}/cmd/#", "-q", "1"], work)
    subscriber.wait_for_output("its subscription", lambda t: "Subscribed (mid" in t)
    check("received CONNACK (0)" in subscriber.output(), f"mosquitto_sub: {subscriber.output()}")
    log("mosquitto_sub connected and subscribed with the device's certificate")
    console.wait("#device-connected to say yes", lambda: console.read("#device-connected") == "yes")
    check(console.still_marked(), "the device page was reloaded to show the connection (it should update in place)")
    log("the device page shows it connected, without a reload")
    return subscriber


def alerts(console, work, mqtt_port, ca, device_id, state):
    """The alerts page, live: a device probing topics it may not publish to (25 refused publishes
    from mosquitto_pub) raises a topic-scanning alert that appears without a reload; the owner
    acknowledges it; the risk table names the device."""
    console.open("/console/alerts")
    console.landed("/console/alerts", "Alerts")
    check(console.driver.find_elements(By.CSS_SELECTOR, "#no-alerts"), "the household has alerts before any attack")
    console.mark()
    scanner = Child("mosquitto_pub", [
        "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", str(mqtt_port), "--cafile", ca, "-V", "mqttv5",
        "--cert", os.path.join(state, "certificate.pem"), "--key", os.path.join(state, "key.pem"),
        "-t", f"devices/{device_id}/cmd/probe", "-q", "0", "-l"], work, stdin=subprocess.PIPE)
    scanner.process.stdin.write(b"".join(b"probe %d\n" % number for number in range(25)))
    scanner.process.stdin.close()
    check(scanner.wait_for_exit(20) == 0, f"mosquitto_pub: {scanner.output()}")
    selector = "li.alert[data-kind=topic-scanning]"
    console.wait("the topic-scanning alert to appear", lambda: console.driver.find_elements(By.CSS_SELECTOR, selector))
    check(console.still_marked(), "the alerts page was reloaded to show the alert (it should update in place)")
    check(device_id in console.read(selector), f"the alert does not name the device: {console.read(selector)!r}")
    check(device_id in console.read("#risk-table"), "the risk table does not name the device")
    log("the alerts page shows the topic-scanning alert and the device's risk, without a reload")
    console.screenshot("alerts")
    console.submit(f"{selector} button.ack")
    console.landed("/console/alerts", "Alerts")
    check(console.read("main [role=status]") == "Alert acknowledged.", "no notice after acknowledging")
    check(console.read(f"{selector} .state").startswith("acknowledged"), f"the alert says {console.read(selector + ' .state')!r}")
    check(not console.driver.find_elements(By.CSS_SELECTOR, f"{selector} button.ack"), "an acknowledged alert still offers the button")
    log("the owner acknowledged the alert from the console")


def firmware(console, api, device_id, state, ca):
    """The firmware page, live: the device reports what it runs (over mutual TLS); an owner's
    requirement set through the API turns its row to out of posture without a reload; the owner
    removes the requirement with the page's form."""
    tls = ssl.create_default_context(cafile=ca)
    tls.load_cert_chain(os.path.join(state, "certificate.pem"), os.path.join(state, "key.pem"))
    connection = http.client.HTTPSConnection(api.address.hostname, api.address.port, context=tls, timeout=WAIT)
    try:
        connection.request("PUT", "/v1/device/firmware", body=json.dumps(
            {"model": "hall-x", "version": "1.0", "security_version": 1}).encode(), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        check(response.status == 200, f"the firmware report: {response.status} {response.read()[:200]!r}")
    finally:
        connection.close()
    row = f"tr[data-device='{device_id}']"
    console.open("/console/firmware")
    console.landed("/console/firmware", "Firmware")
    check("hall-x 1.0" in console.read(row), f"the device's firmware is not shown: {console.read(row)!r}")
    check(console.driver.find_element(By.CSS_SELECTOR, row).get_attribute("data-posture") == "compliant", "the device is not compliant")
    console.mark()
    api.call("PUT", "/v1/firmware/posture/rules", {"scope": "household", "minimum_security_version": 2}, expect=(200,))
    console.wait("the device to be out of posture", lambda: console.driver.find_element(By.CSS_SELECTOR, row).get_attribute("data-posture") == "out-of-posture")
    check(console.still_marked(), "the firmware page was reloaded to show the change (it should update in place)")
    check("below 2" in console.read(f"{row} .reason"), f"no reason shown: {console.read(row)!r}")
    log("the firmware page shows the device out of posture, and why, without a reload")
    console.screenshot("firmware")
    console.submit("#rules li[data-scope=household] button")
    console.landed("/console/firmware", "Firmware")
    check(console.read("main [role=status]") == "Requirement removed.", "no notice after removing the requirement")
    check(console.driver.find_element(By.CSS_SELECTOR, row).get_attribute("data-posture") == "compliant", "the device is still restricted")
    log("the owner removed the requirement from the console")


def revoke_device(console, api, subscriber, device_id):
    reason = console.element("#reason-revoke")
    reason.clear()
    reason.send_keys("key-compromise")
    console.submit("#action-revoke")
    console.landed(f"/console/devices/{device_id}/revoke", "Are you sure?")
    question = console.read("p.question")
    check("Revoke every certificate of Hall sensor" in question, f"the confirmation asks {question!r}")
    check(api.call("GET", f"/v1/devices/{device_id}").get("state") == "active", "the device changed before confirmation")
    check(subscriber.process.poll() is None, "mosquitto_sub ended before the revocation was confirmed")
    console.screenshot("confirm")
    console.submit("#confirm")
    revoked_at = time.monotonic()
    console.landed(f"/console/devices/{device_id}", "Hall sensor")
    log("revocation confirmed")

    status = subscriber.wait_for_exit(10)
    check(status is not None, f"mosquitto_sub was still connected 10 s after the revocation: {subscriber.output()[-1500:]}")
    log(f"mosquitto_sub ended {time.monotonic() - revoked_at:.2f} s after the confirmation (exit {status})")
    console.wait("#device-certificate to say revoked", lambda: console.read("#device-certificate") == "revoked")
    console.wait("#device-connected to say no", lambda: console.read("#device-connected") == "no")
    check(re.search(r"\brevoked\b", console.read("section[aria-labelledby=certificates]")),
          "the certificate table shows no revoked certificate")
    log("the device page shows the certificate revoked and the device disconnected")


def cross_origin(console, api, device_id, hub):
    before = api.call("GET", f"/v1/devices/{device_id}")
    attacker = AttackerSite(hub, device_id)
    try:
        console.driver.get(attacker.origin + "/form.html")
        console.wait("the forged form to leave the attacker's page", lambda: console.driver.current_url.startswith(hub))
        console.wait("the hub's answer", lambda: console.heading() is not None)
        check("/form.html" in attacker.visits, f"the browser never fetched the attacker's form page: {attacker.visits}")
        answer = console.heading()
        check(answer in ("Refused", "Sign in"), f"a form posted from {attacker.origin} got {answer!r}: {console.text()[:600]!r}")
        check(not console.driver.find_elements(By.ID, "device-state"), "a cross-site post got a device page")
        after = api.call("GET", f"/v1/devices/{device_id}")
        check(after.get("state") == before.get("state"), f"a cross-site post changed the device: {before} -> {after}")
        log(f"a form posted from {attacker.origin} was refused ({answer!r}); the device is still {after.get('state')}")

        console.driver.get(attacker.origin + "/frame.html")
        console.wait("the attacker's framing page", lambda: console.driver.find_elements(By.ID, "attacker"))
        check("/frame.html" in attacker.visits, f"the browser never fetched the attacker's framing page: {attacker.visits}")
        # Chromium says when it refuses the frame: the console's CSP has frame-ancestors 'none'
        # (and X-Frame-Options: DENY for browsers without CSP 2).
        reported = []

        def blocked():
            reported.extend(console.browser_log())
            return [line for line in reported if "frame-ancestors 'none'" in line]
        console.wait("Chromium to refuse the console inside the attacker's frame", blocked)
        console.console_problems += [line for line in reported if line not in blocked()]
        console.driver.switch_to.frame(console.driver.find_element(By.ID, "victim"))
        try:
            rendered = console.driver.find_elements(By.CSS_SELECTOR, "main#main, form#sign-in, header.top, input")
            framed_text = console.read("body") or ""
        finally:
            console.driver.switch_to.default_content()
        check(not rendered, f"the console rendered inside a frame of {attacker.origin}: {framed_text[:400]!r}")
        log(f"the console did not render framed by {attacker.origin}: Chromium blocked it (CSP frame-ancestors 'none')")
    finally:
        attacker.stop()
    console.open("/console/overview")
    console.landed("/console/overview", "Overview")


# Installed before the page's own script: each EventSource it makes connects only when the
# test calls window.__startStreams(), so a change can be made between the page's rendering and
# its stream's start (in real life: while console.js loads, or while the stream reconnects).
HELD_STREAMS = """
(() => {
  const Real = window.EventSource;
  const held = [];
  window.__startStreams = () => { const n = held.length; for (const start of held.splice(0)) start(); return n; };
  window.EventSource = class {
    constructor(url, options) {
      this.listeners = [];
      held.push(() => {
        this.real = new Real(url, options);
        for (const [type, listener] of this.listeners) this.real.addEventListener(type, listener);
      });
    }
    addEventListener(type, listener) {
      if (this.real) this.real.addEventListener(type, listener); else this.listeners.push([type, listener]);
    }
    close() { if (this.real) this.real.close(); }
  };
})();
"""


def missed_change(console, api):
    """A change between the page's rendering and the start of its event stream (or while the
    stream reconnects: each one ends after a minute) still reaches the page."""
    held = console.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HELD_STREAMS})
    try:
        console.open("/console/pairing")
        console.landed("/console/pairing", "Pairing")
    finally:
        console.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": held["identifier"]})
    console.element("#close-window")
    console.mark()
    api.call("DELETE", "/v1/pairing/window", expect=(200,))
    check(api.call("GET", "/v1/pairing/window").get("open") is False, "the window is still open")
    check(console.driver.execute_script("return window.__startStreams()") == 1, "the page opened no event stream")
    log("pairing closed through the API after the page was rendered and before its event stream started")
    console.wait(
        "the pairing page to show the window closed",
        lambda: not console.driver.find_elements(By.ID, "close-window") and "closed" in console.read("#window-live"))
    check(console.still_marked(), "the pairing page was reloaded to show the closed window")
    log("the page caught up with that change once its stream started, without a reload")


def audit_verify(console):
    console.open("/console/audit")
    console.landed("/console/audit", "Audit log")
    key = console.element("#audit-table").get_attribute("data-audit-key")
    check(key.count("+") >= 2, f"the page's audit key is not a signed-note verifier key: {key!r}")
    if "+" in key.split("+", 2)[2]:
        log("(this hub's audit key has a '+' in its base64 part, which the key's parsing must keep)")
    button = console.element("#audit-table tbody tr button.verify")
    index = console.element("#audit-table tbody tr").get_attribute("data-index")
    output = f"#result-{index}"
    button.click()
    console.wait(f"{output} to finish", lambda: console.read(output) not in ("", "checking…"))
    text, classes = console.read(output), console.element(output).get_attribute("class").split()
    check(text.startswith("verified") and "ok" in classes, f"entry {index}: {text!r} (class {classes})")
    log(f"entry {index} verified in the browser: {text!r}")
    console.screenshot("audit")

    console.driver.execute_script("""
      const original = window.fetch;
      window.fetch = async (input, init) => {
        const response = await original(input, init);
        const url = typeof input === 'string' ? input : input.url;
        if (!url.includes('/console/audit/proof')) return response;
        const proof = await response.json();
        if (proof.audit_path.length > 0) {
          const bytes = Uint8Array.from(atob(proof.audit_path[0]), (c) => c.charCodeAt(0));
          bytes[0] ^= 1;
          proof.audit_path[0] = btoa(String.fromCharCode(...bytes));
        } else {
          const lines = proof.checkpoint.split('\\n');
          const root = Uint8Array.from(atob(lines[2]), (c) => c.charCodeAt(0));
          root[0] ^= 1;
          lines[2] = btoa(String.fromCharCode(...root));
          proof.checkpoint = lines.join('\\n');
        }
        window.__tampered = (window.__tampered || 0) + 1;
        return new Response(JSON.stringify(proof), { status: 200, headers: { 'Content-Type': 'application/json' } });
      };
    """)
    button.click()
    console.wait(f"{output} to finish again", lambda: console.read(output) not in ("", "checking…"))
    text, classes = console.read(output), console.element(output).get_attribute("class").split()
    check(console.driver.execute_script("return window.__tampered") == 1, "the altered proof was not served")
    check(text.startswith("FAILED") and "bad" in classes, f"entry {index} with an altered proof: {text!r} (class {classes})")
    log(f"with one byte of the proof altered the browser says {text!r}")


PRIVACY_FLOWS = {"flows": [
    {"name": "presence", "class": "functional", "sensitive": ["presence"], "purpose": "Tells the app who is home",
     "schema": {"type": "object"}, "retention": "1d", "recipients": {"apps": True}},
    {"name": "temperature", "class": "essential", "purpose": "Shows the hall's temperature in the app",
     "schema": {"type": "number"}, "retention": "7d", "recipients": {"apps": True}},
]}


def privacy(console, api, device_id):
    api.call("POST", f"/v1/privacy/flows?scope=device:{device_id}", PRIVACY_FLOWS, expect=(201,))
    log("declared the flows presence (sensitive: needs consent) and temperature for the device through the API")

    def consented():
        for device in api.call("GET", "/v1/privacy/map")["devices"]:
            for flow in device["flows"] if device["id"] == device_id else []:
                if flow["name"] == "presence":
                    return next(r["consented"] for r in flow["recipients"] if r["recipient"] == "apps")
        raise CheckFailed("the API's map lacks the presence flow")

    presence = f"article[data-device='{device_id}'] .flow[data-flow=presence] li[data-recipient=apps]"
    temperature = f"article[data-device='{device_id}'] .flow[data-flow=temperature] li[data-recipient=apps]"
    console.open("/console/privacy")
    console.landed("/console/privacy", "Privacy")
    check(console.read(f"{presence} .consent-state") == "needs consent", f"presence: {console.read(presence)!r}")
    check(console.read(f"{temperature} .consent-state") == "always allowed (no consent needed)",
          f"temperature: {console.read(temperature)!r}")
    check(not console.driver.find_elements(By.CSS_SELECTOR, f"{temperature} form"), "a flow needing no consent has a switch")
    check(consented() is False, "the presence flow is consented before the owner allowed it")
    console.screenshot("privacy")
    console.submit(f"{presence} button.allow")
    console.landed("/console/privacy", "Privacy")
    check(console.read(f"{presence} .consent-state") == "allowed", f"after Allow: {console.read(presence)!r}")
    check("Consent given" in (console.read("main .notice") or ""), "no notice after Allow")
    check(consented() is True, "the API's map does not say consented after Allow")
    log("allowed presence to reach the apps from the privacy page; the API's map says consented")
    console.submit(f"{presence} button.stop")
    console.landed("/console/privacy", "Privacy")
    check(console.read(f"{presence} .consent-state") == "needs consent", f"after Stop: {console.read(presence)!r}")
    check(consented() is False, "the API's map still says consented after Stop")
    log("stopped it again; the API's map says not consented")

    console.driver.find_element(By.CSS_SELECTOR, f"#erase-device option[value='{device_id}']").click()
    console.submit("#erase-button")
    console.landed("/console/privacy/erase", "Are you sure?")
    check("Hall sensor" in console.read("p.question"), f"the erasure asks {console.read('p.question')!r}")
    console.submit("#confirm")
    console.landed("/console/privacy", "Privacy")
    check("Telemetry erased" in (console.read("main .notice") or ""), "no notice after the erasure")
    log("erased the device's telemetry through the confirmation page")


def member(console, api, device_id, hub, invitation):
    accepted = api.call(
        "POST", "/v1/invitations/accept", {"code": invitation, "email": MEMBER, "password": MEMBER_PASSWORD},
        expect=(201,), token=False)
    log(f"{MEMBER} accepted the invitation: {accepted.get('person', {}).get('role', accepted)}")

    console.driver.delete_all_cookies()
    sign_in(console, MEMBER, MEMBER_PASSWORD)
    check("(member)" in console.read("form.sign-out .who"), "the top bar does not say member")
    links = [a.get_attribute("href") for a in console.driver.find_elements(By.CSS_SELECTOR, "a[href]")]
    for owner_page in ("/console/pairing", "/console/people", "/console/apps", "/console/audit", "/console/privacy"):
        check(not any(urllib.parse.urlsplit(link).path == owner_page for link in links),
              f"the member's overview links to {owner_page}")
    check(not console.driver.find_elements(By.ID, "waiting"), "the member's overview shows pairing requests")
    log("the member's pages link to no owner page")

    console.open(f"/console/devices/{device_id}")
    console.landed(f"/console/devices/{device_id}", "Hall sensor")
    check(not console.driver.find_elements(By.ID, "actions"), "the member's device page has an Actions section")
    check(not console.driver.find_elements(By.CSS_SELECTOR, "form[action*='/quarantine'], #action-revoke"),
          "the member's device page has an action form")
    console.screenshot("device-member")

    for owner_page in ("/console/audit", "/console/privacy"):
        console.open(owner_page)
        console.landed(owner_page, "Not allowed")
    log("the member's device page has no actions; the audit and privacy pages are not allowed to them")

    console.open(f"/console/devices/{device_id}")
    console.landed(f"/console/devices/{device_id}", "Hall sensor")
    csrf = console.element("form.sign-out input[name=csrf]").get_attribute("value")
    check(csrf, "the sign-out form carries no CSRF token")
    console.driver.execute_script("""
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/console/devices/' + arguments[0] + '/quarantine';
      for (const [name, value] of [['csrf', arguments[1]], ['confirmed', 'yes'], ['reason', 'a member tried']]) {
        const input = document.createElement('input');
        input.type = 'hidden'; input.name = name; input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    """, device_id, csrf)
    console.landed(f"/console/devices/{device_id}/quarantine", "Not allowed")
    log("the member's own form posted to an owner action got 'Not allowed'")

    cookie = console.driver.get_cookie("hearth_console")
    check(cookie and cookie.get("httpOnly") and cookie.get("secure") and cookie.get("sameSite") == "Strict",
          f"the session cookie is not HttpOnly, Secure, SameSite=Strict: {cookie}")
    status, text = api.send(
        "POST", f"/console/devices/{device_id}/quarantine", form={"csrf": csrf, "confirmed": "yes", "reason": "a member tried"},
        headers={"Origin": hub, "Cookie": f"hearth_console={cookie['value']}"}, token=False)
    check(status == 403 and "Not allowed" in text, f"the member's post answered {status}: {text[:300]!r}")
    state = api.call("GET", f"/v1/devices/{device_id}").get("state")
    check(state == "active", f"the device is {state} after the member's attempts")
    log("the same post with the member's cookie is 403 Not allowed; the device is unchanged")


def run(arguments):
    self_test_totp()
    os.makedirs(arguments.screenshots, exist_ok=True)
    for name in os.listdir(arguments.screenshots):
        if name.endswith(".png"):
            os.remove(os.path.join(arguments.screenshots, name))
    cleanup = []
    console = None
    try:
        hub, port, mqtt_port, password, ca = start_hub(arguments, arguments.work)
        base = f"https://127.0.0.1:{port}"
        api = API(base, ca)
        authenticator = enroll_totp(api, password)

        driver = start_browser(arguments.work)
        cleanup.append(driver.quit)
        console = Console(driver, base, arguments.screenshots)

        console.open("/console")
        console.landed("/console/sign-in", "Sign in")
        console.screenshot("sign-in")
        # The password alone is refused here too, with the form shown again and why.
        console.type("#email", OWNER)
        console.type("#password", password)
        console.submit("#sign-in button[type=submit]")
        console.landed("/console/sign-in", "Sign in")
        check(console.read("main [role=alert]"), "a sign-in without the second factor shows no error")
        check(console.driver.get_cookie("hearth_console") is None, "a sign-in without the second factor got a session")
        log(f"the console refuses the owner's password without the code: {console.read('main [role=alert]')!r}")
        sign_in(console, OWNER, password, authenticator.next_code())
        check(console.read("form.sign-out .who").startswith(OWNER), "the top bar does not name the owner")

        device_id, state = pair_device(console, arguments, arguments.work, port)
        # Before mosquitto_sub connects: the probing client takes the device's session over.
        alerts(console, arguments.work, mqtt_port, ca, device_id, state)
        firmware(console, api, device_id, state, ca)
        console.open(f"/console/devices/{device_id}")
        console.landed(f"/console/devices/{device_id}", "Hall sensor")
        console.wait("#device-connected to say no", lambda: console.read("#device-connected") == "no")
        subscriber = connect_device(console, arguments.work, mqtt_port, ca, device_id, state)
        console.screenshot("device")
        for name, path, heading in (
            ("overview", "/console/overview", "Overview"), ("devices", "/console/devices", "Devices"),
        ):
            console.open(path)
            console.landed(path, heading)
            console.screenshot(name)
        check(console.read("#device-table").count("Hall sensor") == 1, "the device list lacks the device")
        console.open(f"/console/devices/{device_id}")
        console.landed(f"/console/devices/{device_id}", "Hall sensor")
        console.wait("#device-connected to say yes", lambda: console.read("#device-connected") == "yes")
        revoke_device(console, api, subscriber, device_id)

        # Something on the People and Apps pages: an open invitation (the member accepts it
        # later) and a registered app, both through the API.
        invitation = api.call("POST", "/v1/people/invitations", {"role": "member", "email": MEMBER}, expect=(201,))["code"]
        api.call("POST", "/v1/oauth/clients", {
            "name": "Home app", "token_endpoint_auth_method": "none", "redirect_uris": ["https://app.example/callback"],
            "grant_types": ["authorization_code", "refresh_token"], "scope": "devices:read offline_access"}, expect=(201,))
        log(f"invited {MEMBER} and registered an app through the API")
        for name, path, heading, shows in (
            ("people", "/console/people", "People", MEMBER), ("apps", "/console/apps", "Apps", "Home app"),
        ):
            console.open(path)
            console.landed(path, heading)
            check(shows in console.read("main"), f"{path} does not show {shows}")
            console.screenshot(name)

        missed_change(console, api)
        cross_origin(console, api, device_id, base)
        audit_verify(console)
        privacy(console, api, device_id)
        member(console, api, device_id, base, invitation)

        if console.console_problems:
            raise CheckFailed("the browser reported problems:\n  " + "\n  ".join(dict.fromkeys(console.console_problems)))
        # The hub stops cleanly, and logged no error while the browser used it (the console logs
        # what it could not render as an error; refusals are not errors).
        cleanup.remove(driver.quit)
        driver.quit()
        hub.stop()
        check(hub.process.returncode == 0, f"the hub exited {hub.process.returncode} on SIGTERM")
        errors = [line for line in hub.errors().splitlines() if " error " in line or " critical " in line]
        check(not errors, "the hub logged errors:\n  " + "\n  ".join(errors[-10:]))
        log(f"screenshots: {len(console.taken)} in {arguments.screenshots}")
        log("every console check passed")
        return 0
    except CheckFailed as failure:
        print(f"FAILED: {failure}", flush=True)
        if console is not None:
            try:
                console.driver.save_screenshot(os.path.join(arguments.screenshots, "failure.png"))
                print(f"  (the browser's screen is in {os.path.join(arguments.screenshots, 'failure.png')}; "
                      f"it was at {console.driver.current_url})", flush=True)
            except WebDriverException:
                pass
        return 1
    finally:
        # The browser first, then every process started (the subscriber and a device still
        # waiting are killed; the hub is stopped with SIGTERM, as an operator would).
        stops = list(cleanup)
        stops += [lambda child=child: child.stop(graceful=child.name == "hub") for child in reversed(Child.started)]
        for stop in stops:
            try:
                stop()
            except Exception as error:  # stopping the rest matters more than this one
                print(f"while stopping: {error!r}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hearth", required=True, help="the built hearth binary")
    parser.add_argument("--work", required=True, help="a fresh folder for the hub's data, the device's state and logs")
    parser.add_argument("--screenshots", required=True, help="where the PNG screenshots go")
    arguments = parser.parse_args()
    if not os.access(arguments.hearth, os.X_OK):
        parser.error(f"{arguments.hearth} is not an executable")
    os.makedirs(arguments.work, exist_ok=True)
    if os.listdir(arguments.work):
        parser.error(f"{arguments.work} is not empty")
    arguments.hearth = os.path.abspath(arguments.hearth)
    arguments.work = os.path.abspath(arguments.work)
    arguments.screenshots = os.path.abspath(arguments.screenshots)

    # A test process (Swift's Foundation) may start this with SIGTERM and SIGINT blocked; the
    # children inherit the mask, and the hub would never see the SIGTERM that stops it cleanly.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    # Stopped by `timeout` or a signal: unwind through `finally`, stopping what was started.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(f"stopped by signal {number}"))
    try:
        status = run(arguments)
    except (WebDriverException, http.client.HTTPException, OSError) as error:
        traceback.print_exc()
        print(f"FAILED: {type(error).__name__}: {error}", flush=True)
        status = 1
    log(f"done in {time.monotonic() - STARTED:.1f} s")
    sys.exit(status)


if __name__ == "__main__":
    main()
