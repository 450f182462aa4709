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
}
