import HearthPKI

/// Certificate signing requests as devices and the CLI send them: PEM text or raw DER. An accepted
/// request must read the same again from its own DER.
enum CSRFuzzTarget {
    static let target = FuzzTarget(name: "csr", summary: "CSR intake (first byte: PEM text or DER)") { bytes in
        let input = FuzzInput(bytes)
        let request: CertificateRequest
        do {
            if input.selector % 2 == 0 {
                request = try CertificateRequest(pem: String(decoding: input.rest, as: UTF8.self))
            } else {
                request = try CertificateRequest(der: input.rest)
            }
        } catch { return false }
        let again = try? CertificateRequest(der: request.der)
        FuzzInvariant.check(again?.keyFingerprint == request.keyFingerprint, "an accepted CSR does not read the same from its DER")
        return true
    }
}
