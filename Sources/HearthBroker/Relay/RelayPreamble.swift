import Crypto
import Foundation
import NIOCore

/// What a hub node tells the node it relays an MQTT client to, before the client's bytes: who
/// the client proved to be at the relaying node's TLS handshake (its certificate chain) and
/// where it came from — what the serving node would otherwise have learned from the socket.
///
/// The link is TLS to the serving node's hub certificate; the preamble is MAC'd with a key every
/// node derives from the shared KEK, so only a node of this hub can relay a client in, and the
/// time in it keeps an old preamble from being used again later.
///
/// On the wire: `HRL1`, the body's length (4 bytes, big-endian), the body (JSON), its
/// HMAC-SHA256 (32 bytes).
public struct RelayPreamble: Sendable, Codable, Equatable {
    /// DER, leaf first; empty when the client sent no certificate.
    public var certificateChain: [[UInt8]]
    public var remoteAddress: String?
    /// The port the client connected to (a DPoP proof names it).
    public var localPort: Int?
    /// When the relaying node wrote it, in milliseconds since 1970.
    public var issuedAt: Int64
    /// A message the hub sends into the household (an alert, an approved command), from a node
    /// that does not serve it; no client follows, and the serving node answers one byte.
    public var message: HubMessage?

    public struct HubMessage: Sendable, Codable, Equatable {
        public var household: String
        public var message: StoredMessage
    }

    static let magic: [UInt8] = Array("HRL1".utf8)
    static let maximumBodyLength = 64 * 1024
    /// How old a preamble may be when it arrives (the link is fresh: this bounds clock skew).
    static let maximumAge: Int64 = 30_000

    public init(certificateChain: [[UInt8]], remoteAddress: String?, localPort: Int?, issuedAt: Date) {
        self.certificateChain = certificateChain
        self.remoteAddress = remoteAddress
        self.localPort = localPort
        self.issuedAt = Int64(issuedAt.timeIntervalSince1970 * 1000)
    }

    public enum Refusal: Error, Equatable {
        case malformed
        case badMAC
        case stale
    }

    /// The preamble written for the link, MAC'd with `key`.
    public func encoded(key: SymmetricKey) -> ByteBuffer {
        let body = (try? JSONEncoder().encode(self)) ?? Data()
        var buffer = ByteBuffer()
        buffer.writeBytes(Self.magic)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        buffer.writeBytes(Array(HMAC<SHA256>.authenticationCode(for: body, using: key)))
        return buffer
    }

    /// Reads a preamble from the front of `buffer` once it is all there (nil until then); the
    /// bytes after it are the client's. Refused when it is not one, its MAC matches none of
    /// `keys`, or it is older than ``maximumAge`` (or from the future by as much) at `now`.
    public static func read(from buffer: inout ByteBuffer, keys: [SymmetricKey], now: Date) throws(Refusal) -> RelayPreamble? {
        guard buffer.readableBytes >= 8 else { return nil }
        guard buffer.getBytes(at: buffer.readerIndex, length: 4) == magic,
              let length = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self), length <= maximumBodyLength
        else { throw .malformed }
        guard buffer.readableBytes >= 8 + Int(length) + 32 else { return nil }
        buffer.moveReaderIndex(forwardBy: 8)
        let body = Data(buffer.readBytes(length: Int(length))!)
        let mac = buffer.readBytes(length: 32)!
        guard keys.contains(where: { HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: $0) }) else {
            throw .badMAC
        }
        guard let preamble = try? JSONDecoder().decode(RelayPreamble.self, from: body) else { throw .malformed }
        let age = Int64(now.timeIntervalSince1970 * 1000) - preamble.issuedAt
        guard abs(age) <= maximumAge else { throw .stale }
        return preamble
    }
}
