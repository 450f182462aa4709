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
    /// nil when it is not exactly one well-formed block. Works on the UTF-8 bytes: faster than
    /// `PEMDocument(pemString:)` or String line handling, which matters on the issuance path.
    public static func decode(_ text: String) -> (label: String, der: [UInt8])? {
        let bytes = Array(text.utf8)
        let dashes = Array("-----".utf8)
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        // Trim, then expect "-----BEGIN <label>-----" … "-----END <label>-----".
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let end = bytes.lastIndex(where: { !isSpace($0) })
        else { return nil }
        let body = bytes[start...end]
        let begin = Array("-----BEGIN ".utf8)
        guard body.starts(with: begin), let headerEnd = body.firstIndex(of: 0x0A) else { return nil }
        var header = body[(start + begin.count)..<headerEnd]
        if header.last == 0x0D { header = header.dropLast() }
        guard header.count > dashes.count, header.suffix(dashes.count).elementsEqual(dashes) else { return nil }
        let label = Array(header.dropLast(dashes.count))
        let footer = Array("-----END ".utf8) + label + dashes
        guard body.count >= footer.count, body.suffix(footer.count).elementsEqual(footer) else { return nil }
        let base64 = body[(headerEnd + 1)..<(end + 1 - footer.count)].filter { !isSpace($0) }
        guard !base64.contains(UInt8(ascii: "-")), let der = Data(base64Encoded: Data(base64)) else { return nil }
        return (String(decoding: label, as: UTF8.self), Array(der))
    }
}
