import Foundation
import HearthTesting
import Testing

/// A CA made by openssl in a test's folder, and the certificates it issues: P-256, valid for a
/// day, as `<name>.pem` and `<name>.key` beside each other.
struct OpenSSLCA: Sendable {
    let folder: URL
    let name: String

    var certificatePath: String { path(name, "pem") }
    var keyPath: String { path(name, "key") }

    /// Extensions for a TLS server at 127.0.0.1, and for a TLS client.
    static let serverAt127 = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
    static let client = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"

    static func make(_ name: String, subject: String, in folder: URL) async throws -> OpenSSLCA {
        let ca = OpenSSLCA(folder: folder, name: name)
        try await openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-keyout", ca.keyPath, "-out", ca.certificatePath, "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return ca
    }

    /// Issues `<name>.pem` (subject CN=`name`) with `extensions` (an openssl extfile's lines); its key is `<name>.key`.
    @discardableResult
    func issue(_ name: String, extensions: String) async throws -> (certificate: String, key: String) {
        let (certificate, key, request, extfile) = (path(name, "pem"), path(name, "key"), path(name, "csr"), path(name, "ext"))
        try extensions.write(toFile: extfile, atomically: true, encoding: .utf8)
        try await Self.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", request, "-subj", "/CN=\(name)",
        ])
        try await Self.openssl([
            "x509", "-req", "-in", request, "-CA", certificatePath, "-CAkey", keyPath, "-CAcreateserial", "-days", "1",
            "-extfile", extfile, "-out", certificate,
        ])
        return (certificate, key)
    }

    private func path(_ name: String, _ suffix: String) -> String { folder.appendingPathComponent("\(name).\(suffix)").path }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await ProcessRunner.run("/usr/bin/openssl", arguments)
        try #require(result.status == 0, "openssl \(arguments.joined(separator: " ")): \(result.standardError)")
    }
}
