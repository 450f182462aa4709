import Crypto
import Foundation
import HearthCore

/// The public half of a note-signing key, in the C2SP signed-note verifier-key form
/// `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ Ed25519 public key)>`.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let publicKey: [UInt8]

    public init(name: String, publicKey: [UInt8]) throws {
        guard NoteVerifierKey.isValidName(name) else { throw CheckpointError.malformed("invalid key name") }
        guard publicKey.count == 32 else { throw CheckpointError.malformed("an Ed25519 public key is 32 bytes") }
        self.name = name
        self.publicKey = publicKey
    }

    public init(parsing text: String) throws {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let encoded = Data(base64Encoded: String(parts[2])), encoded.count == 33, encoded.first == 0x01
        else { throw CheckpointError.malformed("a verifier key is name+keyid+base64(0x01 || public key)") }
        try self.init(name: String(parts[0]), publicKey: Array(encoded.dropFirst()))
        guard keyID.hexString == parts[1] else { throw CheckpointError.malformed("the verifier key's id does not match its key") }
    }

    /// The first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    public var keyID: [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    public var description: String {
        "\(name)+\(keyID.hexString)+\(Data([0x01] + publicKey).base64EncodedString())"
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
        guard text.hasSuffix("\n"), !text.contains("\n\n"), !hasForbiddenControl(text) else {
            throw CheckpointError.malformed("a note text ends in a newline and has no blank line or control character")
        }
        let verifier = try NoteVerifierKey(name: name, publicKey: Array(key.publicKey.rawRepresentation))
        let signature = try key.signature(for: Array(text.utf8))
        let payload = Data(verifier.keyID + Array(signature)).base64EncodedString()
        return text + "\n" + signaturePrefix + name + " " + payload + "\n"
    }

    /// Returns the note's text if a signature by `verifier` is on it and verifies.
    public static func open(_ note: String, verifier: NoteVerifierKey) throws -> String {
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
        for line in signatureLines {
            guard line.hasPrefix(signaturePrefix) else { throw CheckpointError.malformed("a signature line must start with an em dash") }
            let fields = line.dropFirst(signaturePrefix.count).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let payload = Data(base64Encoded: String(fields[1])), payload.count > 4 else {
                throw CheckpointError.malformed("a signature line is `— <name> <base64>`")
            }
            guard fields[0] == verifier.name, Array(payload.prefix(4)) == verifier.keyID else { continue }
            guard publicKey.isValidSignature(payload.dropFirst(4), for: Array(text.utf8)) else {
                throw CheckpointError.badSignature(keyName: verifier.name)
            }
            return text
        }
        throw CheckpointError.unsigned(keyName: verifier.name)
    }

    private static func hasForbiddenControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }
    }
}
