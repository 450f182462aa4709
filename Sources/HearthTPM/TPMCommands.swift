/// The four TPM 2.0 commands a device key needs (TPM 2.0 Part 3), as bytes in and out: pure
/// functions, tested without a TPM.
///
/// The key is a primary ECDSA P-256 key of the owner hierarchy. A primary key is derived from the
/// hierarchy's secret seed and its template, so the template's `unique` field — 32 random bytes the
/// device keeps, which are not secret — names the key: the same template gives the same key after a
/// restart, and the private key is never anywhere but in the TPM (`fixedTPM`, `sensitiveDataOrigin`).
enum TPMCommands {
    static let sessionsTag: UInt16 = 0x8002
    static let noSessionsTag: UInt16 = 0x8001
    static let ownerHierarchy: UInt32 = 0x4000_0001
    static let passwordSession: UInt32 = 0x4000_0009
    static let nullHierarchy: UInt32 = 0x4000_0007

    static let algorithmECC: UInt16 = 0x0023
    static let algorithmSHA256: UInt16 = 0x000B
    static let algorithmECDSA: UInt16 = 0x0018
    static let algorithmNull: UInt16 = 0x0010
    static let curveP256: UInt16 = 0x0003

    /// fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | noDA | sign: a signing key that
    /// was made in this TPM, can never be duplicated out of it, and signs with an empty password.
    static let signingKeyAttributes: UInt32 = 0x0000_0002 | 0x0000_0010 | 0x0000_0020 | 0x0000_0040 | 0x0000_0400 | 0x0004_0000

    /// The command with its header (tag, size, code) around `body`.
    private static func command(_ code: UInt32, sessions: Bool, _ body: (inout TPMWriter) -> Void) -> [UInt8] {
        var inner = TPMWriter()
        body(&inner)
        var writer = TPMWriter()
        writer.u16(sessions ? sessionsTag : noSessionsTag)
        writer.u32(UInt32(10 + inner.bytes.count))
        writer.u32(code)
        return writer.bytes + inner.bytes
    }

    /// One password session with the empty password (the key's authValue is empty; `noDA`).
    private static func emptyPasswordAuthorization(_ writer: inout TPMWriter) {
        writer.u32(9)
        writer.u32(passwordSession)
        writer.sized([])  // nonce
        writer.u8(0)  // session attributes
        writer.sized([])  // the password
    }

    /// TPM2_CreatePrimary of the signing key named by `unique`.
    static func createPrimary(unique: [UInt8]) -> [UInt8] {
        command(0x0000_0131, sessions: true) { writer in
            writer.u32(ownerHierarchy)
            emptyPasswordAuthorization(&writer)
            writer.sized { sensitive in
                sensitive.sized([])  // userAuth
                sensitive.sized([])  // data
            }
            writer.sized { template in
                template.u16(algorithmECC)
                template.u16(algorithmSHA256)
                template.u32(signingKeyAttributes)
                template.sized([])  // authPolicy
                template.u16(algorithmNull)  // symmetric: none (not a storage key)
                template.u16(algorithmECDSA)
                template.u16(algorithmSHA256)
                template.u16(curveP256)
                template.u16(algorithmNull)  // kdf
                template.sized(unique)  // unique.x
                template.sized([])  // unique.y
            }
            writer.sized([])  // outsideInfo
            writer.u32(0)  // creationPCR: none
        }
    }

    /// The transient handle and the public point (0x04 ‖ x ‖ y) of a created primary key.
    static func createdPrimary(_ response: [UInt8]) throws -> (handle: UInt32, point: [UInt8]) {
        var reader = try body(response, command: "CreatePrimary")
        let handle = try reader.u32()
        _ = try reader.u32()  // parameterSize
        var outPublic = TPMReader(try reader.sized())
        guard try outPublic.u16() == algorithmECC else { throw TPMError.malformedResponse }
        _ = try outPublic.u16()  // nameAlg
        _ = try outPublic.u32()  // attributes
        _ = try outPublic.sized()  // authPolicy
        guard try outPublic.u16() == algorithmNull,  // symmetric
              try outPublic.u16() == algorithmECDSA, try outPublic.u16() == algorithmSHA256,
              try outPublic.u16() == curveP256, try outPublic.u16() == algorithmNull
        else { throw TPMError.malformedResponse }
        let x = try outPublic.sized()
        let y = try outPublic.sized()
        guard x.count <= 32, y.count <= 32 else { throw TPMError.malformedResponse }
        return (handle, [0x04] + padded(x) + padded(y))
    }

    /// TPM2_Sign of a SHA-256 digest with the key at `handle` (no ticket: the key is not restricted).
    static func sign(handle: UInt32, digest: [UInt8]) -> [UInt8] {
        command(0x0000_015D, sessions: true) { writer in
            writer.u32(handle)
            emptyPasswordAuthorization(&writer)
            writer.sized(digest)
            writer.u16(algorithmECDSA)
            writer.u16(algorithmSHA256)
            writer.u16(0x8024)  // TPM_ST_HASHCHECK
            writer.u32(nullHierarchy)
            writer.sized([])
        }
    }

    /// The signature as r ‖ s, 32 bytes each.
    static func signature(_ response: [UInt8]) throws -> [UInt8] {
        var reader = try body(response, command: "Sign")
        _ = try reader.u32()  // parameterSize
        guard try reader.u16() == algorithmECDSA else { throw TPMError.malformedResponse }
        _ = try reader.u16()  // hash
        let r = try reader.sized()
        let s = try reader.sized()
        guard r.count <= 32, s.count <= 32 else { throw TPMError.malformedResponse }
        return padded(r) + padded(s)
    }

    /// TPM2_FlushContext: the transient key leaves the TPM's memory (its seed-derived self stays
    /// recreatable).
    static func flush(handle: UInt32) -> [UInt8] {
        command(0x0000_0165, sessions: false) { writer in writer.u32(handle) }
    }

    static func flushed(_ response: [UInt8]) throws { _ = try body(response, command: "FlushContext") }

    /// The reader after a response's header, once the response code says success.
    private static func body(_ response: [UInt8], command: String) throws -> TPMReader {
        var reader = TPMReader(response)
        _ = try reader.u16()  // tag
        guard Int(try reader.u32()) == response.count else { throw TPMError.malformedResponse }
        let code = try reader.u32()
        guard code == 0 else { throw TPMError.refused(command: command, code: code) }
        return reader
    }

    private static func padded(_ value: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: 32 - value.count) + value
    }
}
