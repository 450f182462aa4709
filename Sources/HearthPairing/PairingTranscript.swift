import Crypto

/// The bytes every pairing proof is computed over: a label naming the message and protocol
/// version, then each field with a 4-byte big-endian length, so no two different field lists
/// encode alike (no ambiguity an attacker could shift bytes across).
struct PairingTranscript {
    private(set) var bytes: [UInt8]

    init(_ label: String) {
        bytes = []
        append(Array(label.utf8))
    }

    mutating func append(_ field: some Collection<UInt8>) {
        let count = UInt32(field.count)
        bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        bytes += field
    }

    static func of(_ label: String, _ fields: [[UInt8]]) -> [UInt8] {
        var transcript = PairingTranscript(label)
        for field in fields { transcript.append(field) }
        return transcript.bytes
    }
}

enum Digest {
    static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] { Array(SHA256.hash(data: Array(bytes))) }
}
