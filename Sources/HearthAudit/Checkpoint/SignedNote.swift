import Crypto
import Foundation
import HearthCore

/// The public half of a note-signing key, in the C2SP signed-note verifier-key form
/// `<name>+<key id, 8 hex digits>+<base64(type ‖ Ed25519 public key)>`.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// What a signature by the key states. Both are Ed25519; the type byte keeps a log's key
    /// and a witness's key apart, as their signed messages differ.
    public enum KeyType: UInt8, Sendable, Hashable {
        /// A signed note's plain signature over its text (a log signing its checkpoints).
        case ed25519 = 0x01
        /// A C2SP tlog-cosignature/v1: a witness's timestamped statement over a checkpoint.
        case cosignature = 0x04
    }

    public let name: String
    public let publicKey: [UInt8]
    public let type: KeyType

    public init(name: String, publicKey: [UInt8], type: KeyType = .ed25519) throws {
        guard NoteVerifierKey.isValidName(name) else { throw CheckpointError.malformed("invalid key name") }
        guard publicKey.count == 32 else { throw CheckpointError.malformed("an Ed25519 public key is 32 bytes") }
        self.name = name
        self.publicKey = publicKey
        self.type = type
    }

    public init(parsing text: String) throws {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let encoded = Data(base64Encoded: String(parts[2])), encoded.count == 33,
              let type = encoded.first.flatMap(KeyType.init(rawValue:))
        else { throw CheckpointError.malformed("a verifier key is name+keyid+base64(0x01 or 0x04 || Ed25519 public key)") }
        try self.init(name: String(parts[0]), publicKey: Array(encoded.dropFirst()), type: type)
        guard keyID.hexString == parts[1] else { throw CheckpointError.malformed("the verifier key's id does not match its key") }
    }

    /// The first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key).
    public var keyID: [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, type.rawValue] + publicKey).prefix(4))
    }

    public var description: String {
        "\(name)+\(keyID.hexString)+\(Data([type.rawValue] + publicKey).base64EncodedString())"
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "+" && !$0.properties.isWhitespace }
    }
}

/// Signs and opens C2SP signed notes with Ed25519.
public enum SignedNote {
    private static let signaturePrefix = "\u{2014} "

    /// The note text followed by a blank line and one signature line.
    public static func sign(_ text: String, name: String, key: Curve25519.Signing.PrivateKey) throws -> String {
        try sign(text, name: name, key: HubPrivateKey(key))
    }

    /// The same, with the hub's key (which may sign in its PKCS#11 token).
    public static func sign(_ text: String, name: String, key: HubPrivateKey) throws -> String {
        guard text.hasSuffix("\n"), !text.contains("\n\n"), !hasForbiddenControl(text) else {
            throw CheckpointError.malformed("a note text ends in a newline and has no blank line or control character")
        }
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKeyBytes)
        let signature = try key.signature(for: Array(text.utf8))
        let payload = Data(verifier.keyID + Array(signature)).base64EncodedString()
        return text + "\n" + signaturePrefix + name + " " + payload + "\n"
    }

    /// A witness's cosignature line over a note's `text` (a checkpoint body), made at `timestamp`
    /// (seconds since 1970): the key signs `cosignature/v1`, the time and the text (C2SP tlog-cosignature).
    public static func cosign(_ text: String, name: String, key: Curve25519.Signing.PrivateKey, timestamp: Int64) throws -> String {
        try cosign(text, name: name, key: HubPrivateKey(key), timestamp: timestamp)
    }

    /// The same, with the hub's key (which may sign in its PKCS#11 token).
    public static func cosign(_ text: String, name: String, key: HubPrivateKey, timestamp: Int64) throws -> String {
        guard text.hasSuffix("\n"), !text.contains("\n\n"), !hasForbiddenControl(text), timestamp >= 0 else {
            throw CheckpointError.malformed("a cosigned text ends in a newline and has no blank line or control character")
        }
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKeyBytes, type: .cosignature)
        let signature = try key.signature(for: cosignedMessage(text, timestamp: timestamp))
        let payload = Data(verifier.keyID + bigEndian(timestamp) + Array(signature)).base64EncodedString()
        return signaturePrefix + name + " " + payload + "\n"
    }

    /// Returns the note's text if a signature by `verifier` is on it and verifies.
    public static func open(_ note: String, verifier: NoteVerifierKey) throws -> String {
        try openSigned(note, verifier: verifier).text
    }

    /// Returns the note's text and the cosignature's time (seconds since 1970) if a cosignature by
    /// the witness key `verifier` (type 0x04) is on it and verifies.
    public static func openCosigned(_ note: String, verifier: NoteVerifierKey) throws -> (text: String, timestamp: Int64) {
        guard verifier.type == .cosignature else { throw CheckpointError.malformed("\(verifier.name) is not a witness key") }
        let opened = try openSigned(note, verifier: verifier)
        return (opened.text, opened.timestamp ?? 0)
    }

    private static func openSigned(_ note: String, verifier: NoteVerifierKey) throws -> (text: String, timestamp: Int64?) {
        guard note.utf8.count <= 1 << 20, !hasForbiddenControl(note), note.hasSuffix("\n") else {
            throw CheckpointError.malformed("not a signed note")
        }
        guard let separator = note.range(of: "\n\n", options: .backwards) else {
            throw CheckpointError.malformed("no blank line before the signatures")
        }
        let text = String(note[..<separator.lowerBound]) + "\n"
        let signatureLines = note[separator.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard !signatureLines.isEmpty else { throw CheckpointError.malformed("no signature lines") }
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: verifier.publicKey)
        // Every line is checked before any is used: a note is well-formed or not whichever key
        // reads it (the fuzzer found a note the log's key opened, its signature coming first,
        // while a witness's line after a malformed one could not be read).
        let signatures = try signatureLines.map { line -> (name: Substring, payload: Data) in
            guard line.hasPrefix(signaturePrefix) else { throw CheckpointError.malformed("a signature line must start with an em dash") }
            let fields = line.dropFirst(signaturePrefix.count).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, let payload = Data(base64Encoded: String(fields[1])), payload.count > 4 else {
                throw CheckpointError.malformed("a signature line is `— <name> <base64>`")
            }
            return (fields[0], payload)
        }
        for (name, payload) in signatures {
            guard name == verifier.name, Array(payload.prefix(4)) == verifier.keyID else { continue }
            switch verifier.type {
            case .ed25519:
                guard publicKey.isValidSignature(payload.dropFirst(4), for: Array(text.utf8)) else {
                    throw CheckpointError.badSignature(keyName: verifier.name)
                }
                return (text, nil)
            case .cosignature:
                let timestamp = payload.dropFirst(4).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard payload.count == 4 + 8 + 64, timestamp <= UInt64(Int64.max),
                      publicKey.isValidSignature(payload.dropFirst(12), for: cosignedMessage(text, timestamp: Int64(timestamp)))
                else { throw CheckpointError.badSignature(keyName: verifier.name) }
                return (text, Int64(timestamp))
            }
        }
        throw CheckpointError.unsigned(keyName: verifier.name)
    }

    private static func cosignedMessage(_ text: String, timestamp: Int64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(text)".utf8)
    }

    private static func bigEndian(_ value: Int64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(value) >> (UInt64($0) * 8)) }
    }

    private static func hasForbiddenControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }
    }
}
