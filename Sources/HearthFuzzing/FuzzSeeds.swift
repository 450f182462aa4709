import Crypto
import Foundation
import HearthCore
import HearthOAuth
import HearthPairing
import HearthPKI
import HearthServer
import SwiftASN1
import X509

/// Valid inputs for every target, made with the project's own encoders and the fixture keys:
/// `hearth-fuzz seed Fuzz/corpus` writes them, and the committed corpus starts from them, so the
/// fuzzer begins past the first checks of each parser.
public enum FuzzSeeds {
    public static func all() throws -> [(target: String, seeds: [(label: String, bytes: [UInt8])])] {
        [
            ("mqtt", mqtt()),
            ("csr", try csr()),
            ("ocsp", try ocsp()),
            ("dpop", dpop()),
            ("client-assertion", clientAssertion()),
            ("access-token", accessToken()),
            ("oauth-form", oauthForms()),
            ("json-bodies", try jsonBodies()),
            ("telemetry", telemetry()),
            ("pairing", try pairing()),
            ("witness", try WitnessFuzzTarget.seeds()),
        ]
    }

    // MARK: MQTT

    static func mqtt() -> [(String, [UInt8])] {
        let v311Connect: [UInt8] = [0x10, 0x12, 0, 4] + ascii("MQTT") + [4, 0xC2, 0, 60, 0, 2] + ascii("d1") + [0, 0] + [0, 0]
        let v5Connect: [UInt8] = [0x10, 0x17, 0, 4] + ascii("MQTT") + [5, 0x02, 0, 60, 8, 0x11, 0, 0, 0, 60, 0x21, 0, 10]
            + [0, 2] + ascii("d1")
        let v311Traffic: [UInt8] = [0x32, 0x09, 0, 3] + ascii("a/b") + [0, 1] + ascii("hi")
            + [0x82, 0x08, 0, 2, 0, 3] + ascii("a/#") + [1]
            + [0xA2, 0x07, 0, 3, 0, 3] + ascii("a/#")
            + [0x40, 0x02, 0, 1, 0xC0, 0x00, 0xE0, 0x00]
        let v5Traffic: [UInt8] = [0x34, 0x13, 0, 3] + ascii("a/b") + [0, 2, 0x09, 0x01, 1, 0x26, 0, 1] + ascii("k")
            + [0, 1] + ascii("v") + ascii("hi")
            + [0x82, 0x09, 0, 2, 0, 0, 3] + ascii("a/#") + [0x2E]
            + [0x62, 0x04, 0, 2, 0x00, 0x00]
            + [0xF0, 0x00, 0xE0, 0x02, 0x04, 0x00]
        return [
            ("v311-session", [0] + v311Connect + v311Traffic),
            ("v5-session", [0] + v5Connect + v5Traffic),
            ("v311-traffic", [1] + v311Traffic),
            ("v5-traffic", [2] + v5Traffic),
        ]
    }

    // MARK: PKI

    static func csr() throws -> [(String, [UInt8])] {
        let p256 = try csrDER(.init(FuzzFixtures.fixedKey(P256.Signing.PrivateKey.self, 4)), name: "sensor")
        let p384 = try csrDER(.init(FuzzFixtures.fixedKey(P384.Signing.PrivateKey.self, 5)), name: "gateway")
        return [
            ("p256-pem", [0] + ascii(try pem(p256, "CERTIFICATE REQUEST"))),
            ("p256-der", [1] + p256),
            ("p384-der", [1] + p384),
        ]
    }

    static func ocsp() throws -> [(String, [UInt8])] {
        let issuer = FuzzFixtures.authority.certificate
        return [
            ("one", try OCSPRequestBuilder.request(issuer: issuer, serial: [0x01, 0x23, 0x45])),
            ("nonce", try OCSPRequestBuilder.request(issuer: issuer, serial: [0x7F, 0x10], nonce: Array(repeating: 0xAB, count: 16))),
        ]
    }

    // MARK: Tokens

    static func dpop() -> [(String, [UInt8])] {
        let jwk = FuzzFixtures.signingKey.publicJWK
        let header = #"{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"\#(jwk.x)","y":"\#(jwk.y)"}}"#
        let payload = #"{"jti":"j1","htm":"POST","htu":"\#(FuzzFixtures.tokenEndpoint)","iat":1800000000}"#
        let bound = #"{"jti":"j2","htm":"POST","htu":"\#(FuzzFixtures.tokenEndpoint)","iat":1800000000,"nonce":"a-server-nonce","ath":"\#(Base64URL.encode(Array(SHA256.hash(data: Array("an-access-token".utf8)))))"}"#
        return signedVariants(header: header, payload: payload) + [("bound-signed", [7] + ascii(header) + [0] + ascii(bound))]
    }

    static func clientAssertion() -> [(String, [UInt8])] {
        let header = #"{"alg":"ES256","kid":"\#(FuzzFixtures.signingKey.kid)"}"#
        let payload = #"{"iss":"fuzz-client","sub":"fuzz-client","aud":"\#(FuzzFixtures.tokenEndpoint)","jti":"a1","iat":1800000000,"exp":1800000120}"#
        return signedVariants(header: header, payload: payload)
    }

    static func accessToken() -> [(String, [UInt8])] {
        let header = #"{"alg":"ES256","typ":"at+jwt","kid":"\#(FuzzFixtures.signingKey.kid)"}"#
        let payload = #"{"iss":"\#(FuzzFixtures.issuer)","sub":"person:p1","aud":"hearth","client_id":"c1","scope":"devices:read","jti":"t1","iat":1800000000,"exp":1800000300,"cnf":{"jkt":"abc"}}"#
        return signedVariants(header: header, payload: payload)
    }

    /// The token as text (selector 0) and as a header and payload the harness signs (selector 1).
    private static func signedVariants(header: String, payload: String) -> [(String, [UInt8])] {
        [
            ("text", [0] + ascii(FuzzFixtures.signedCompactJWS(header: ascii(header), payload: ascii(payload)))),
            ("signed", [1] + ascii(header) + [0] + ascii(payload)),
        ]
    }

    static func oauthForms() -> [(String, [UInt8])] {
        [
            ("code", ascii("grant_type=authorization_code&code=Zm9v&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=c1")),
            ("refresh", ascii("grant_type=refresh_token&refresh_token=abc.def&scope=devices%3Aread+devices%3Acontrol")),
            ("device", ascii("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=x&client_id=c1")),
            ("assertion", ascii("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c")),
        ]
    }

    // MARK: JSON bodies

    static func jsonBodies() throws -> [(String, [UInt8])] {
        let csrPEM = try pem(try csrDER(.init(FuzzFixtures.fixedKey(P256.Signing.PrivateKey.self, 4)), name: "sensor"), "CERTIFICATE REQUEST")
        let key32 = Base64URL.encode(Array(repeating: UInt8(1), count: 32))
        let firmware = #"{"model":"lamp-x","version":"1.2.0","security_version":3,"sha256":"\#(String(repeating: "ab", count: 32))"}"#
        let samples: [String: String] = [
            "pairing-code": #"{"csr":\#(quoted(csrPEM)),"commitment":"\#(key32)","hub_key":"\#(key32)"}"#,
            "pairing-code-poll": #"{"request_id":"r1","poll_token":"p1","device_nonce":"\#(key32)","firmware":\#(firmware)}"#,
            "pairing-secret": #"{"expectation_id":"e1","csr":\#(quoted(csrPEM)),"device_nonce":"\#(key32)","hub_key":"\#(key32)","proof":"\#(key32)"}"#,
            "pairing-attest": #"{"challenge":"\#(key32)","csr":"x","hub_key":"\#(key32)","attestation_chain":"x","signature":"AA"}"#,
            "pairing-transfer": #"{"to_household":"h1"}"#,
            "pairing-accept-transfer": #"{"device_id":"d1","secret":"s","zone":"default","name":"lamp"}"#,
            "pairing-window": #"{"minutes":10}"#,
            "pairing-approve": #"{"user_code":"BCDF-GHJK","verify":"123456","zone":"default","name":"lamp"}"#,
            "pairing-deny": #"{"user_code":"BCDF-GHJK"}"#,
            "pairing-expect": #"{"secret":"s","serial":"SN1","claim_code":"c","zone":"default","name":"lamp","minutes":60}"#,
            "session-sign-in": #"{"email":"owner@home.arpa","password":"pw","totp":"123456","device_cookie":"c","household":"h1","operator":false}"#,
            "session-password": #"{"current_password":"a","new_password":"b"}"#,
            "session-recovery": #"{"email":"owner@home.arpa","code":"c","new_password":"b"}"#,
            "people-invitation": #"{"email":"a@home.arpa","role":"member","access":{"zones":["default"]},"expires_in":3600}"#,
            "people-accept": #"{"code":"c","email":"a@home.arpa","password":"pw","totp":"1","device_cookie":"d"}"#,
            "people-role": #"{"role":"member"}"#,
            "household-create": #"{"name":"Home","owner_email":"o@home.arpa"}"#,
            "household-suspend": #"{"reason":"moving"}"#,
            "device-move": #"{"zone":"security"}"#,
            "device-claim": #"{"zone":"default","name":"lamp"}"#,
            "device-reason": #"{"reason":"lost"}"#,
            "device-renew": #"{"csr":\#(quoted(csrPEM)),"firmware":\#(firmware)}"#,
            "device-firmware": firmware,
            "pki-issue": #"{"csr":\#(quoted(csrPEM)),"profile":"device","device_id":"d1","name":"n","zone":"default","dns_names":["a.home.arpa"],"lifetime_seconds":3600}"#,
            "pki-revoke": #"{"reason":"keyCompromise"}"#,
            "alert-approve": #"{"code":"123456"}"#,
            "alert-webhook": #"{"url":"https://hooks.home.arpa/h"}"#,
            "privacy-signed-flows": #"{"document":"a.b.c"}"#,
            "privacy-model": #"{"model":"lamp-x"}"#,
            "privacy-consent": #"{"scope":"device:d1","flow":"energy","recipient":"apps","purpose":"p"}"#,
            "privacy-destination": #"{"name":"cloud","host":"mqtt.example","port":8883,"topic_prefix":"home/","trust_roots_pem":"x","client_chain_pem":"x","client_key_pem":"x"}"#,
            "privacy-erase": #"{"device":"d1"}"#,
            "privacy-flows": #"{"model":"lamp-x","flows":[{"name":"energy","class":"functional","purpose":"Shows power use","schema":{"type":"object"},"minimize":[{"drop":["id"]}],"retention":"7d","recipients":{"apps":true}}]}"#,
            "firmware-maker": #"{"id":"acme","name":"Acme","keys":[\#(quoted(FuzzFixtures.signingKey.publicKey.pemRepresentation))],"threshold":1,"models":["lamp-x"]}"#,
            "firmware-maker-change": #"{"add_keys":[],"remove_keys":["k"],"add_models":["lamp-y"]}"#,
            "firmware-withdraw": #"{"reason":"bricks devices"}"#,
            "firmware-rule": #"{"scope":"model","value":"lamp-x","minimum_security_version":3,"restriction":"update-only"}"#,
            "firmware-rotate": #"{"role":"timestamp"}"#,
            "firmware-campaign": #"{"model":"lamp-x","version":"1.2.0","cohorts":[0.1,1],"soak_seconds":60,"gate_seconds":30,"maximum_reconnects":3,"failure_threshold":0.1,"rollback_to":"1.1.0","rollback_override":false}"#,
            "firmware-metadata": #"{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{}},"signatures":[{"keyid":"ab","sig":"cd"}]}"#,
            "oauth-client": #"{"name":"App","token_endpoint_auth_method":"none","redirect_uris":["https://app.test/cb"],"grant_types":["authorization_code"],"scope":"devices:read","device_id":"d1"}"#,
            "oauth-code": #"{"code":"c"}"#,
            "oauth-behind-gateway": #"{"name":"gw"}"#,
        ]
        return try RequestBodyCatalog.entries.enumerated().map { index, entry in
            guard let sample = samples[entry.name] else { throw HearthError(.invalidInput, "no seed for body \(entry.name)") }
            return (entry.name, [UInt8(index)] + ascii(sample))
        }
    }

    // MARK: Telemetry

    static func telemetry() -> [(String, [UInt8])] {
        [
            ("any", [0] + ascii(#"{"a": [1, 2.5e3, -0.0, true, null], "b": {"c": "\u00e9\n"}}"#)),
            ("climate", [1] + ascii(#"{"temp": 21.26, "id": "SECRET-42"}"#)),
            ("readings", [2] + ascii(#"{"readings": [1, 2, 3], "at": "2027-01-15T08:30:12Z"}"#)),
            ("power", [3] + ascii(#"{"power": 12.5}"#)),
            ("network", [4] + ascii(#"{"ssid": "home", "on": true, "mode": "eco"}"#)),
        ]
    }

    // MARK: Pairing

    static func pairing() throws -> [(String, [UInt8])] {
        let deviceKey = FuzzFixtures.fixedKey(P256.Signing.PrivateKey.self, 4)
        let csr = try csrDER(.init(deviceKey), name: "sensor")
        let csrPEM = try pem(csr, "CERTIFICATE REQUEST")
        let hubKey = Array(repeating: UInt8(2), count: 32)
        let nonce = Array(repeating: UInt8(1), count: 32)
        let material = PairingMaterial(csrHash: PairingMaterial.hash(csr), hubKeyHash: hubKey)
        let secret = try SetupSecret(bytes: Array(repeating: 9, count: SetupSecret.minimumBytes))
        let proof = try SetupSecretProofs(macKeys: secret.macKeys).deviceProof(id: secret.id, material: material, deviceNonce: nonce)
        let challenge = AttestationChallenge(keys: [.init(data: Array(repeating: UInt8(3), count: 32))], lifetime: 300)
            .make(at: FuzzFixtures.now)
        let attestation = try attestationCertificate(key: FuzzFixtures.fixedKey(P256.Signing.PrivateKey.self, 6))
        let signature = try Attestation.sign(
            challenge: Array(challenge.prefix(32)), material: material, key: FuzzFixtures.fixedKey(P256.Signing.PrivateKey.self, 6))
        func json(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }
        return [
            ("code", [0] + (try json(CodePairingStart(
                csr: csrPEM, commitment: Base64URL.encode(CodePairing.commitment(to: nonce)), hubKey: Base64URL.encode(hubKey))))),
            ("poll", [1] + (try json(CodePairingPoll(requestID: "r1", pollToken: "p1", deviceNonce: Base64URL.encode(nonce))))),
            ("secret", [2] + (try json(SecretPairingRequest(
                expectationID: secret.id, csr: csrPEM, deviceNonce: Base64URL.encode(nonce), hubKey: Base64URL.encode(hubKey),
                proof: Base64URL.encode(proof))))),
            ("attest", [3] + (try json(AttestationPairingRequest(
                challenge: Base64URL.encode(challenge.prefix(32)), csr: csrPEM, hubKey: Base64URL.encode(hubKey),
                attestationChain: try pem(attestation.serializeAsPEM().derBytes, "CERTIFICATE"),
                signature: Base64URL.encode(signature))))),
            ("typed-code", [4] + ascii("bcdf-ghjk")),
            ("typed-secret", [4] + ascii(secret.text)),
            ("challenge", [5] + challenge),
        ]
    }

    /// A device's attestation certificate from the fixture manufacturer root.
    private static func attestationCertificate(key: P256.Signing.PrivateKey) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(bytes: [0x42]), publicKey: .init(key.publicKey),
            notValidBefore: FuzzFixtures.now.addingTimeInterval(-86_400), notValidAfter: FuzzFixtures.now.addingTimeInterval(86_400 * 365),
            issuer: try DistinguishedName { CommonName("Fuzz root") },
            subject: DistinguishedName([
                RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(type: [2, 5, 4, 5], printableString: "SN-0042")),
                RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: [2, 5, 4, 3], utf8String: "sensor")),
            ]),
            signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions {
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: FuzzFixtures.root.publicKey).keyIdentifier)
            },
            issuerPrivateKey: .init(FuzzFixtures.rootKey))
    }

    // MARK: Helpers

    private static func csrDER(_ key: Certificate.PrivateKey, name: String) throws -> [UInt8] {
        let algorithm: Certificate.SignatureAlgorithm = P384.Signing.PublicKey(key.publicKey) != nil ? .ecdsaWithSHA384 : .ecdsaWithSHA256
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(name) }, privateKey: key,
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: algorithm)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    private static func pem(_ der: [UInt8], _ label: String) throws -> String {
        PEMDocument(type: label, derBytes: der).pemString + "\n"
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self)
    }

    private static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
}
