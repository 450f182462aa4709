import Foundation
import HearthCore

/// A tree head in the C2SP `tlog-checkpoint` body format:
///
///     <origin>
///     <tree size, decimal>
///     <root hash, standard base64>
///     timestamp <milliseconds since 1970, decimal>
///
/// The fourth line is an extension line (allowed by the format) carrying when the head was signed.
public struct Checkpoint: Sendable, Hashable {
    public let origin: String
    public let size: Int64
    public let rootHash: [UInt8]
    public let time: Date

    public init(origin: String, size: Int64, rootHash: [UInt8], time: Date) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.time = time
    }

    public var body: String {
        "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\ntimestamp \(time.unixMilliseconds)\n"
    }

    /// Parses a body (the text of a verified note).
    public init(body: String) throws {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard body.hasSuffix("\n"), lines.count == 5,
              let size = Int64(lines[1]), size >= 0, String(size) == lines[1],
              let root = Data(base64Encoded: String(lines[2])), root.count == MerkleHash.size,
              lines[3].hasPrefix("timestamp "), let millis = Int64(lines[3].dropFirst("timestamp ".count))
        else { throw CheckpointError.malformed("the checkpoint body is not origin, size, root hash and timestamp lines") }
        self.init(origin: String(lines[0]), size: size, rootHash: Array(root), time: Date(unixMilliseconds: millis))
    }
}

/// Why a checkpoint or signed note was refused.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    /// No signature line from the expected key is on the note.
    case unsigned(keyName: String)
    /// A signature line claims the expected key but does not verify: the note was altered.
    case badSignature(keyName: String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed signed note: \(why)"
        case .unsigned(let name): "the note carries no signature by key \(name)"
        case .badSignature(let name): "the signature by key \(name) does not verify"
        }
    }
}
