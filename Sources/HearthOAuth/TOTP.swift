import Crypto
import Foundation
import HearthCore

/// Time-based one-time passwords (RFC 6238) with the parameters every authenticator app accepts:
/// HMAC-SHA1, 6 digits, 30-second steps.
public struct TOTP: Sendable {
    public static let digits = 6
    public static let period: Int64 = 30

    /// The shared secret; the caller stores it sealed.
    public let secret: [UInt8]

    public init(secret: [UInt8]) { self.secret = secret }

    /// Reads a secret as ``base32Secret`` writes it (padding and case are tolerated).
    public init?(base32Secret: String) {
        guard let secret = Base32.decode(base32Secret), !secret.isEmpty else { return nil }
        self.secret = secret
    }

    /// 160 bits, the HMAC-SHA1 output size RFC 4226 §4 recommends.
    public static func generateSecret() -> TOTP { TOTP(secret: SecureRandom.bytes(20)) }

    /// RFC 4648 base32 without padding, as authenticator apps expect it.
    public var base32Secret: String { Base32.encode(secret) }

    /// The `otpauth://` URI of the Key Uri Format that authenticator apps read from a QR code.
    public func provisioningURI(issuer: String, account: String) -> String {
        let label = percentEncoded(issuer) + ":" + percentEncoded(account)
        return "otpauth://totp/\(label)?secret=\(base32Secret)&issuer=\(percentEncoded(issuer))"
            + "&algorithm=SHA1&digits=\(Self.digits)&period=\(Self.period)"
    }

    public func code(at date: Date) -> String { code(step: Self.step(at: date)) }

    /// The time step whose code `code` is, looking `window` steps either side of `date`; the
    /// caller refuses a step at or before the last one used, so a code works once.
    public func matchingStep(_ code: String, at date: Date, window: Int = 1) -> Int64? {
        let typed = Array(code.utf8)
        guard typed.count == Self.digits, typed.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        let now = Self.step(at: date)
        var matched: Int64?
        // Every candidate is compared, so the time taken does not tell which step matched.
        for offset in -Int64(max(0, window))...Int64(max(0, window)) {
            let step = now + offset
            guard step >= 0 else { continue }
            if constantTimeEquals(Array(self.code(step: step).utf8), typed), matched == nil { matched = step }
        }
        return matched
    }

    static func step(at date: Date) -> Int64 {
        max(0, Int64(date.timeIntervalSince1970.rounded(.down)) / period)
    }

    /// RFC 4226 §5.3: HOTP of the step counter, dynamically truncated.
    func code(step: Int64) -> String {
        var counter = UInt64(step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let value = binary % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: Self.digits - text.count) + text
    }

    /// RFC 3986 unreserved characters stay; everything else (spaces, colons) is percent-encoded.
    private func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

/// RFC 4648 §6 base32, the encoding of TOTP secrets.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int(buffer >> UInt32(bits) & 0x1F)])
            }
        }
        if bits > 0 { out.append(alphabet[Int(buffer << UInt32(5 - bits) & 0x1F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var out = [UInt8]()
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
