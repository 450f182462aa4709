#!/usr/bin/env python3
"""Drives a running Hearth hub with a real OAuth client library (Authlib) and joserfc.

    oauth_interop.py jwks KEY.pem        print the public JWK Set of an EC private key
    oauth_interop.py flows CONFIG.json   run the flows; print a JSON report; exit 1 on the first failure
    oauth_interop.py refresh-tokens CONFIG.json N
                                         N authorization-code flows; print each refresh token (benchmarks)

The flows: authorization code + PKCE through the hub's sign-in page, refresh rotation and reuse
detection, the device authorization grant (pending, slow_down, approval), DPoP-bound tokens used
on /v1, introspection by a private_key_jwt client, revocation (RFC 7009).
"""
import base64
import hashlib
import html
import json
import re
import sys
import time
import urllib.parse
import uuid

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.common.security import generate_token
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey

# Generous: CI runs every suite at once on two cores, and each sign-in costs the hub a full
# scrypt (32 MiB, N=2^15, p=3); a request that took 10 s there was slow, not lost.
TIMEOUT = 60

report = {}


def fail(message):
    print(json.dumps({"failed": message, "report": report}, indent=2))
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def expect_oauth_error(code, call):
    try:
        call()
    except OAuthError as error:
        check(error.error == code, f"expected {code}, got {error.error}: {error.description}")
        return error
    fail(f"expected the error {code}, but the call succeeded")


def hidden_fields(page):
    return {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class DPoP:
    """RFC 9449 proofs made with joserfc (no Hearth code involved)."""

    def __init__(self):
        self.key = ECKey.generate_key("P-256")
        public = self.key.as_dict(private=False)
        self.jwk = {k: public[k] for k in ("kty", "crv", "x", "y")}
        canonical = json.dumps({k: self.jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
        self.jkt = b64url(hashlib.sha256(canonical.encode()).digest())

    def proof(self, method, url, nonce=None, access_token=None, iat=None):
        claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(iat if iat is not None else time.time())}
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
        return jose_jwt.encode({"alg": "ES256", "typ": "dpop+jwt", "jwk": self.jwk}, claims, self.key)


def flows(config):
    issuer, ca = config["issuer"], config["ca"]
    meta = requests.get(issuer + "/.well-known/oauth-authorization-server", verify=ca, timeout=TIMEOUT).json()
    check(meta["issuer"] == issuer, "metadata issuer differs from the URL it was fetched from")
    check(meta["code_challenge_methods_supported"] == ["S256"], "S256 only")
    report["metadata"] = "ok"
    jwks = requests.get(meta["jwks_uri"], verify=ca, timeout=TIMEOUT).json()
    check(all(k["kty"] == "EC" and k["alg"] == "ES256" and "d" not in k for k in jwks["keys"]), "JWKS holds ES256 public keys only")

    def sign_in(browser, page_url, decision="allow"):
        page = browser.get(page_url, timeout=TIMEOUT)
        check(page.status_code == 200, f"sign-in page: HTTP {page.status_code}")
        check(page.headers.get("X-Frame-Options") == "DENY", "the sign-in page must not be framable")
        check("frame-ancestors 'none'" in page.headers.get("Content-Security-Policy", ""), "CSP frame-ancestors")
        fields = hidden_fields(page.text)
        fields.update(email=config["email"], password=config["password"], decision=decision)
        return browser.post(issuer + "/oauth/authorize", data=fields, allow_redirects=False, timeout=TIMEOUT)

    # --- authorization code + PKCE (Authlib builds the request and redeems the code) ----------
    client = OAuth2Session(
        config["public_client"], redirect_uri=config["redirect_uri"], scope="devices:read offline_access",
        code_challenge_method="S256")
    client.verify = ca
    client.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    verifier = generate_token(64)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    browser = requests.Session()
    browser.verify = ca
    browser.trust_env = False
    answer = sign_in(browser, url)
    check(answer.status_code == 303, f"consent: HTTP {answer.status_code} {answer.text[:300]}")
    location = answer.headers["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    check(query["state"] == [state], "state must come back untouched")
    check(query["iss"] == [issuer], "RFC 9207 iss")
    token = client.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    claims = jwt_claims(token["access_token"])
    check(token["token_type"] == "Bearer" and token["expires_in"] <= 600, "a bearer token of at most 10 minutes")
    check(claims["client_id"] == config["public_client"] and claims["aud"] == issuer and claims["exp"] - claims["iat"] <= 600,
          "RFC 9068 claims")
    me = requests.get(issuer + "/v1/me", headers={"Authorization": "Bearer " + token["access_token"]}, verify=ca, timeout=TIMEOUT)
    check(me.status_code == 200 and me.json()["person"]["email"] == config["email"], f"/v1/me with the token: {me.status_code}")
    report["authorization_code"] = "ok"

    # The code is single-use: a second redemption fails and revokes what the first issued.
    expect_oauth_error("invalid_grant", lambda: client.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier))
    me = requests.get(issuer + "/v1/me", headers={"Authorization": "Bearer " + token["access_token"]}, verify=ca, timeout=TIMEOUT)
    check(me.status_code == 401, "a replayed code revokes the tokens it issued")
    report["code_reuse_revokes"] = "ok"

    # A wrong PKCE verifier is refused.
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    location = sign_in(browser, url).headers["Location"]
    expect_oauth_error("invalid_grant", lambda: client.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=generate_token(64)))
    report["wrong_verifier"] = "ok"

    # --- refresh rotation and family revocation on reuse --------------------------------------
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    location = sign_in(browser, url).headers["Location"]
    first = client.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    second = client.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    check(second["refresh_token"] != first["refresh_token"], "the refresh token rotates on every use")
    third = client.refresh_token(meta["token_endpoint"], refresh_token=second["refresh_token"])
    expect_oauth_error("invalid_grant", lambda: client.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"]))
    expect_oauth_error("invalid_grant", lambda: client.refresh_token(meta["token_endpoint"], refresh_token=third["refresh_token"]))
    report["refresh_rotation"] = "ok"

    # --- device authorization grant -------------------------------------------------------------
    started = requests.post(meta["device_authorization_endpoint"], data={"client_id": config["public_client"], "scope": "devices:read"},
                            verify=ca, timeout=TIMEOUT).json()
    check(re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", started["user_code"]) is not None, "user code alphabet")
    check(started["verification_uri_complete"].startswith(started["verification_uri"]), "verification_uri_complete")
    grant = "urn:ietf:params:oauth:grant-type:device_code"
    poll = lambda: client.fetch_token(meta["token_endpoint"], grant_type=grant, device_code=started["device_code"])
    expect_oauth_error("authorization_pending", poll)
    expect_oauth_error("slow_down", poll)
    page = browser.get(started["verification_uri_complete"], timeout=TIMEOUT)
    fields = hidden_fields(page.text)
    fields.update(user_code=started["user_code"], email=config["email"], password=config["password"], decision="allow")
    approved = browser.post(issuer + "/oauth/device", data=fields, timeout=TIMEOUT)
    check(approved.status_code == 200 and "Approved" in approved.text, f"approval page: {approved.status_code}")
    time.sleep(started["interval"] + 5)
    device_token = poll()
    check(jwt_claims(device_token["access_token"])["scope"] == "devices:read", "the device flow's token has what was asked")
    expect_oauth_error("invalid_grant", poll)
    report["device_flow"] = "ok"

    # --- DPoP: a token bound to a key, used on /v1 ----------------------------------------------
    dpop = DPoP()
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    location = sign_in(browser, url).headers["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": config["redirect_uri"],
            "client_id": config["public_client"], "code_verifier": verifier}
    first_try = requests.post(meta["token_endpoint"], data=form, headers={"DPoP": dpop.proof("POST", meta["token_endpoint"])},
                              verify=ca, timeout=TIMEOUT)
    check(first_try.status_code == 400 and first_try.json()["error"] == "use_dpop_nonce", "the server asks for its nonce first")
    nonce = first_try.headers["DPoP-Nonce"]
    bound = requests.post(meta["token_endpoint"], data=form,
                          headers={"DPoP": dpop.proof("POST", meta["token_endpoint"], nonce=nonce)}, verify=ca, timeout=TIMEOUT)
    check(bound.status_code == 200, f"DPoP token request: {bound.status_code} {bound.text}")
    bound = bound.json()
    check(bound["token_type"] == "DPoP" and jwt_claims(bound["access_token"])["cnf"]["jkt"] == dpop.jkt, "cnf.jkt")
    me_url = issuer + "/v1/me"
    ok = requests.get(me_url, headers={"Authorization": "DPoP " + bound["access_token"],
                                       "DPoP": dpop.proof("GET", me_url, access_token=bound["access_token"])}, verify=ca, timeout=TIMEOUT)
    check(ok.status_code == 200, f"a DPoP-bound call: {ok.status_code} {ok.text}")
    as_bearer = requests.get(me_url, headers={"Authorization": "Bearer " + bound["access_token"]}, verify=ca, timeout=TIMEOUT)
    check(as_bearer.status_code == 401, "a DPoP-bound token is refused as a bearer token")
    wrong_htu = requests.get(me_url, headers={"Authorization": "DPoP " + bound["access_token"],
                                              "DPoP": dpop.proof("GET", issuer + "/v1/devices", access_token=bound["access_token"])},
                             verify=ca, timeout=TIMEOUT)
    check(wrong_htu.status_code == 401, "a proof for another URL is refused")
    proof = dpop.proof("GET", me_url, access_token=bound["access_token"])
    headers = {"Authorization": "DPoP " + bound["access_token"], "DPoP": proof}
    requests.get(me_url, headers=headers, verify=ca, timeout=TIMEOUT)
    replay = requests.get(me_url, headers=headers, verify=ca, timeout=TIMEOUT)
    check(replay.status_code == 401, "a replayed proof (same jti) is refused")
    other = DPoP()
    stolen = requests.get(me_url, headers={"Authorization": "DPoP " + bound["access_token"],
                                           "DPoP": other.proof("GET", me_url, access_token=bound["access_token"])}, verify=ca, timeout=TIMEOUT)
    check(stolen.status_code == 401, "a proof by another key is refused")
    report["dpop"] = "ok"

    # --- introspection by a private_key_jwt client, then revocation -----------------------------
    key = ECKey.import_key(open(config["confidential_key"]).read())
    resource = OAuth2Session(config["confidential_client"], key, token_endpoint_auth_method=PrivateKeyJWT(meta["introspection_endpoint"], alg="ES256"))
    resource.verify = ca
    resource.trust_env = False
    live = resource.introspect_token(meta["introspection_endpoint"], token=second["access_token"]).json()
    check(live.get("active") is False, "an access token of a revoked family is inactive")
    live = resource.introspect_token(meta["introspection_endpoint"], token=device_token["access_token"]).json()
    check(live["active"] is True and live["client_id"] == config["public_client"], f"introspection: {live}")
    client.revoke_token(meta["revocation_endpoint"], token=device_token["access_token"])
    gone = resource.introspect_token(meta["introspection_endpoint"], token=device_token["access_token"]).json()
    check(gone == {"active": False}, "a revoked token is inactive at once")
    report["introspection_and_revocation"] = "ok"

    print(json.dumps({"ok": True, "report": report}, indent=2))


def refresh_tokens(config, count):
    issuer, ca = config["issuer"], config["ca"]
    meta = requests.get(issuer + "/.well-known/oauth-authorization-server", verify=ca, timeout=TIMEOUT).json()
    client = OAuth2Session(config["public_client"], redirect_uri=config["redirect_uri"], scope="devices:read offline_access",
                           code_challenge_method="S256")
    client.verify, client.trust_env = ca, False
    browser = requests.Session()
    browser.verify, browser.trust_env = ca, False
    for _ in range(count):
        verifier = generate_token(64)
        url, _state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
        fields = hidden_fields(browser.get(url, timeout=TIMEOUT).text)
        fields.update(email=config["email"], password=config["password"], decision="allow")
        location = browser.post(issuer + "/oauth/authorize", data=fields, allow_redirects=False, timeout=TIMEOUT).headers["Location"]
        print(client.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)["refresh_token"])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "jwks":
        key = ECKey.import_key(open(sys.argv[2]).read())
        public = key.as_dict(private=False)
        print(json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"],
                                    "kid": key.thumbprint(), "use": "sig", "alg": "ES256"}]}))
    elif len(sys.argv) == 4 and sys.argv[1] == "refresh-tokens":
        refresh_tokens(json.load(open(sys.argv[2])), int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "flows":
        flows(json.load(open(sys.argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
