import Crypto
import Foundation

/// The signature on a webhook delivery, in the header `Hearth-Signature: t=<unix seconds>,v1=<hex>`:
/// HMAC-SHA256 with the webhook's secret over `"<t>.<body>"`. The time is inside what is signed so
/// a receiver can refuse a captured delivery replayed later (docs/detection.md suggests five
/// minutes); a retry is signed again with its own time.
public struct WebhookSignature: Sendable, Hashable {
    public static let headerName = "Hearth-Signature"

    public let timestamp: Int64
    public let mac: [UInt8]

    public init(secret: [UInt8], timestamp: Int64, body: [UInt8]) {
        self.timestamp = timestamp
        mac = Array(HMAC<SHA256>.authenticationCode(for: Self.signedBytes(timestamp, body), using: SymmetricKey(data: secret)))
    }

    public var headerValue: String {
        "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` signs `body` with `secret` (constant-time on the MAC). What a receiver
    /// written in Swift would call; the hub itself only signs.
    public static func verify(_ header: String, body: [UInt8], secret: [UInt8]) -> Bool {
        var timestamp: Int64?
        var mac: [UInt8]?
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { return false }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": mac = hexBytes(pair[1])
            default: continue
            }
        }
        guard let timestamp, let mac else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signedBytes(timestamp, body), using: SymmetricKey(data: secret))
    }

    private static func signedBytes(_ timestamp: Int64, _ body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
