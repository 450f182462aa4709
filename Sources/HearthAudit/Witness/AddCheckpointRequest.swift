import Foundation

/// The body of a C2SP tlog-witness `add-checkpoint` call: the size of the checkpoint the log
/// believes the witness holds, a consistency proof from it, a blank line, then the new signed
/// checkpoint.
///
///     old 20852014
///     <proof hash, base64>…
///
///     <checkpoint note>
public struct AddCheckpointRequest: Sendable, Hashable {
    /// The protocol's bound on proof lines: a proof of a tree of 2^63 leaves has at most 63 hashes.
    public static let maximumProofLines = 63
    /// A checkpoint note of more is refused unread; a witness has no use for large notes.
    public static let maximumBodySize = 64 * 1024

    public let oldSize: Int64
    public let proof: [[UInt8]]
    /// The signed note as submitted, every signature on it included.
    public let checkpoint: String

    public init(oldSize: Int64, proof: [[UInt8]], checkpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var encoded: [UInt8] {
        var text = "old \(oldSize)\n"
        for hash in proof { text += Data(hash).base64EncodedString() + "\n" }
        return Array((text + "\n" + checkpoint).utf8)
    }

    public init(parsing body: [UInt8]) throws(WitnessProtocolError) {
        guard body.count <= Self.maximumBodySize else { throw .malformed("the body is over \(Self.maximumBodySize) bytes") }
        guard let text = String(validating: body, as: UTF8.self) else { throw .malformed("the body is not UTF-8") }
        guard let blank = text.range(of: "\n\n") else { throw .malformed("no blank line between the proof and the checkpoint") }
        let head = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let size = WitnessSize.parse(first.dropFirst(4)) else {
            throw .malformed("the first line must be `old <size>` in decimal without leading zeroes")
        }
        let lines = head.dropFirst()
        guard lines.count <= Self.maximumProofLines else { throw .malformed("more than \(Self.maximumProofLines) proof lines") }
        var proof: [[UInt8]] = []
        for line in lines {
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw .malformed("a proof line must be one SHA-256 hash in base64")
            }
            proof.append(Array(hash))
        }
        let checkpoint = String(text[blank.upperBound...])
        guard !checkpoint.isEmpty else { throw .malformed("no checkpoint after the blank line") }
        self.init(oldSize: size, proof: proof, checkpoint: checkpoint)
    }
}

/// A tree size as the protocol writes it: ASCII decimal, no sign, no leading zero but for `0`.
public enum WitnessSize {
    public static func parse(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), text == "0" || !text.hasPrefix("0"),
              let value = Int64(text) else { return nil }
        return value
    }

    /// The body of a 409 answer (`text/x.tlog.size`): the witness's latest size and a newline.
    public static func parseConflictBody(_ body: [UInt8]) -> Int64? {
        guard let text = String(validating: body, as: UTF8.self), text.hasSuffix("\n") else { return nil }
        return parse(text.dropLast())
    }
}

/// Why a witness refused, or a log could not read a witness's answer.
public enum WitnessProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed add-checkpoint request: \(why)"
        }
    }
}
