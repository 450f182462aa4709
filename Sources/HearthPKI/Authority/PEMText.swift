import Foundation

/// PEM armour (RFC 7468): base64 in lines of 64 characters between BEGIN and END lines, ending
/// in a newline. Written here because building it through `PEMDocument.pemString` costs more than
/// signing the certificate it wraps, and issuance does it for every certificate.
public enum PEMText {
    public static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Array(Data(der).base64EncodedString().utf8)
        var text: [UInt8] = Array("-----BEGIN \(label)-----\n".utf8)
        text.reserveCapacity(base64.count + base64.count / 64 + 64)
        var start = 0
        while start < base64.count {
            let end = min(start + 64, base64.count)
            text += base64[start..<end]
            text.append(UInt8(ascii: "\n"))
            start = end
        }
        text += Array("-----END \(label)-----\n".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    public static func certificate(_ der: [UInt8]) -> String { encode(der, label: "CERTIFICATE") }

    /// The label and bytes of the single PEM block in `text` (surrounding whitespace allowed), or
    /// nil when it is not exactly one well-formed block. Faster than `PEMDocument(pemString:)`,
    /// which matters on the issuance path.
    public static func decode(_ text: String) -> (label: String, der: [UInt8])? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.count >= 3, let first = lines.first, let last = lines.last,
              first.hasPrefix("-----BEGIN "), first.hasSuffix("-----"),
              last.hasPrefix("-----END "), last.hasSuffix("-----")
        else { return nil }
        let label = String(first.dropFirst("-----BEGIN ".count).dropLast(5))
        guard String(last.dropFirst("-----END ".count).dropLast(5)) == label,
              !lines.dropFirst().dropLast().contains(where: { $0.hasPrefix("-----") }),
              let der = Data(base64Encoded: lines.dropFirst().dropLast().joined())
        else { return nil }
        return (label, Array(der))
    }
}
