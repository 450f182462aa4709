import Crypto
import Dispatch
import Foundation
import HearthCore
import HearthOAuth
import HearthPKI
import X509

/// The fixed world the targets check inputs against: one instant, one CA, one client key. Keys
/// are made once per process; nothing here depends on the input.
enum FuzzFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let issuer = "https://hub.test"
    static let tokenEndpoint = "https://hub.test/oauth/token"

    /// The root: it signs the zone CA, and is the manufacturer root attestation chains end at.
    static let rootKey = fixedKey(P384.Signing.PrivateKey.self, 1)
    static let root = caCertificate("Fuzz root", key: .init(rootKey.publicKey), issuer: "Fuzz root", issuerKey: .init(rootKey))

    /// The zone CA under the root, as `hearth init` makes it: it answers OCSP.
    static let authority: IssuingAuthority = {
        let key = fixedKey(P256.Signing.PrivateKey.self, 2)
        return IssuingAuthority(
            certificate: caCertificate("Fuzz zone", key: .init(key.publicKey), issuer: "Fuzz root", issuerKey: .init(rootKey)),
            privateKey: .init(key), crlURL: "http://hub.test/crl", ocspURL: "http://hub.test/ocsp")
    }()

    /// Keys from fixed bytes, so a committed corpus entry (a signed token, a certificate) means the
    /// same in every run.
    static func fixedKey<Key: FixedBytesKey>(_: Key.Type, _ byte: UInt8) -> Key {
        guard let key = try? Key(rawRepresentation: Array(repeating: byte, count: Key.rawSize)) else {
            fatalError("the fuzz fixtures' key \(byte) could not be made")
        }
        return key
    }

    private static func caCertificate(
        _ name: String, key: Certificate.PublicKey, issuer: String, issuerKey: Certificate.PrivateKey
    ) -> Certificate {
        do {
            return try Certificate(
                version: .v3, serialNumber: .init(bytes: Array(name.utf8.prefix(8))), publicKey: key,
                notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(365 * 86_400),
                issuer: try DistinguishedName { CommonName(issuer) }, subject: try DistinguishedName { CommonName(name) },
                signatureAlgorithm: .ecdsaWithSHA384,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: key)
                    AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: issuerKey.publicKey).keyIdentifier)
                },
                issuerPrivateKey: issuerKey)
        } catch {
            fatalError("the fuzz fixtures' CA \(name) could not be made: \(error)")
        }
    }

    /// The key a harness signs with, so that checks after the signature are reached too. Fixed
    /// bytes, so a committed corpus entry names the same key in every run.
    static let signingKey = SigningKey(privateKey: fixedKey(P256.Signing.PrivateKey.self, 7))

    /// `header.payload.signature`, the signature made with ``signingKey`` (ES256, r || s).
    static func signedCompactJWS(header: [UInt8], payload: [UInt8]) -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let signature = (try? signingKey.key.signature(for: Array(input.utf8))) ?? []
        return input + "." + Base64URL.encode(signature)
    }

    /// Runs async code from libFuzzer's synchronous callback. The task starts on this thread and,
    /// when nothing in it suspends (the usual case: keys already loaded), has finished before the
    /// wait; a hop to another executor would cost more than the check itself.
    static func wait<Value: Sendable>(_ body: @escaping @Sendable () async -> Value) -> Value {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<Value>()
        Task.immediate {
            box.value = await body()
            done.signal()
        }
        done.wait()
        guard let value = box.value else { fatalError("an async fuzz step ended without a result") }
        return value
    }
}

/// A private key that can be made from raw bytes of a known size.
protocol FixedBytesKey {
    static var rawSize: Int { get }
    init(rawRepresentation: [UInt8]) throws
}

extension P256.Signing.PrivateKey: FixedBytesKey {
    static var rawSize: Int { 32 }
}

extension P384.Signing.PrivateKey: FixedBytesKey {
    static var rawSize: Int { 48 }
}

/// Hands a value from the task in ``FuzzFixtures/wait(_:)`` to the waiting thread.
/// `@unchecked`: written once by the task before it signals, read once after the wait.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
