import CPKCS11
import HearthCore
import Synchronization

/// One token (a slot of a PKCS#11 module) holding the hub's signing keys.
///
/// Keys are made in the token as sensitive, non-extractable private keys with a random CKA_ID;
/// the hub stores that id in the key's row. Sessions are pooled: a session runs one operation at a
/// time, so each caller takes one (opening another when all are busy) and returns it after.
public final class PKCS11Token: KeyToken {
    public let settings: PKCS11Settings
    private let module: PKCS11Module
    private let idle = Mutex<[hp11_ulong]>([])

    public var description: String { "PKCS#11 module \(settings.module), slot \(settings.slot)" }

    /// Loads the module, opens a session on the slot and logs in with the PIN in the settings' file.
    public init(_ settings: PKCS11Settings) throws {
        self.settings = settings
        module = try PKCS11Module.load(settings.module)
        var pin = try settings.pin()
        defer { for index in pin.indices { pin[index] = 0 } }
        let session = try openSession()
        let rv = module.f.login(session, PKCS11.user, &pin, hp11_ulong(pin.count))
        guard rv == PKCS11.ok || rv == PKCS11.userAlreadyLoggedIn else {
            _ = module.f.closeSession(session)
            throw PKCS11.error(rv, "the login to slot \(settings.slot)")
        }
        idle.withLock { $0.append(session) }
    }

    deinit {
        for session in idle.withLock({ $0 }) { _ = module.f.closeSession(session) }
    }

    public func makeKey(_ algorithm: HubPrivateKey.Algorithm, label: String) throws -> any TokenKey {
        var made: (id: [UInt8], publicHandle: hp11_ulong, privateHandle: hp11_ulong)?
        // One key at a time on the machine, whatever the token (``ModuleLock``), asked for again
        // when the token fails it in a way that passes (``CreationRetry``), each time with a new id.
        let rv = try ModuleLock.holding(settings.module) {
            try CreationRetry.run { () throws -> hp11_ulong in
                let id = SecureRandom.bytes(16)
                let (publicTemplate, privateTemplate) = Self.templates(algorithm, label: label, id: id)
                return try withSession { session in
                    var mechanism = HP11Mechanism(
                        mechanism: algorithm == .ed25519 ? PKCS11.edwardsKeyPairGeneration : PKCS11.ecKeyPairGeneration,
                        parameter: nil, parameterLength: 0)
                    var publicHandle: hp11_ulong = 0
                    var privateHandle: hp11_ulong = 0
                    let rv = try publicTemplate.withAttributes { publicAttributes, publicCount in
                        try privateTemplate.withAttributes { privateAttributes, privateCount in
                            module.f.generateKeyPair(
                                session, &mechanism, publicAttributes, publicCount, privateAttributes, privateCount,
                                &publicHandle, &privateHandle)
                        }
                    }
                    if rv == PKCS11.ok { made = (id, publicHandle, privateHandle) }
                    return rv
                }
            }
        }
        guard rv == PKCS11.ok, let made else { throw PKCS11.error(rv, "making a \(algorithm.rawValue) key") }
        let publicKey = try withSession { session in try publicPoint(made.publicHandle, session: session, algorithm: algorithm) }
        return PKCS11Key(token: self, reference: made.id, handle: made.privateHandle, algorithm: algorithm, publicKeyBytes: publicKey)
    }

    /// A key pair's attributes: a sensitive, non-extractable private key that only signs.
    private static func templates(
        _ algorithm: HubPrivateKey.Algorithm, label: String, id: [UInt8]
    ) -> (public: AttributeList, private: AttributeList) {
        let publicTemplate = AttributeList()
        publicTemplate.add(PKCS11.attributeToken, true)
        publicTemplate.add(PKCS11.attributeVerify, true)
        publicTemplate.add(PKCS11.attributeECParameters, PKCS11.curveParameters(algorithm))
        publicTemplate.add(PKCS11.attributeLabel, Array(label.utf8))
        publicTemplate.add(PKCS11.attributeID, id)
        let privateTemplate = AttributeList()
        privateTemplate.add(PKCS11.attributeToken, true)
        privateTemplate.add(PKCS11.attributePrivate, true)
        privateTemplate.add(PKCS11.attributeSensitive, true)
        privateTemplate.add(PKCS11.attributeExtractable, false)
        privateTemplate.add(PKCS11.attributeSign, true)
        // Signing is all a hub key does: no decryption, unwrapping or key agreement with it.
        privateTemplate.add(PKCS11.attributeDecrypt, false)
        privateTemplate.add(PKCS11.attributeUnwrap, false)
        privateTemplate.add(PKCS11.attributeDerive, false)
        privateTemplate.add(PKCS11.attributeLabel, Array(label.utf8))
        privateTemplate.add(PKCS11.attributeID, id)
        return (publicTemplate, privateTemplate)
    }

    public func key(reference: [UInt8], algorithm: HubPrivateKey.Algorithm) throws -> any TokenKey {
        try withSession { session in
            let privateHandle = try find(PKCS11.privateKeyClass, id: reference, session: session)
            let publicHandle = try find(PKCS11.publicKeyClass, id: reference, session: session)
            return PKCS11Key(
                token: self, reference: reference, handle: privateHandle, algorithm: algorithm,
                publicKeyBytes: try publicPoint(publicHandle, session: session, algorithm: algorithm))
        }
    }

    /// Signs `input` with the private key `handle` (ECDSA over a digest, or EdDSA over a message).
    func sign(_ input: [UInt8], handle: hp11_ulong, algorithm: HubPrivateKey.Algorithm) throws -> [UInt8] {
        try withSession { session in
            var mechanism = HP11Mechanism(
                mechanism: algorithm == .ed25519 ? PKCS11.eddsa : PKCS11.ecdsa, parameter: nil, parameterLength: 0)
            try PKCS11.check(module.f.signInit(session, &mechanism, handle), "starting a signature")
            var data = input
            var signature = [UInt8](repeating: 0, count: 132)
            var length = hp11_ulong(signature.count)
            try PKCS11.check(module.f.sign(session, &data, hp11_ulong(data.count), &signature, &length), "a signature")
            return Array(signature.prefix(Int(length)))
        }
    }

    // MARK: - Sessions and objects

    private func openSession() throws -> hp11_ulong {
        var session: hp11_ulong = 0
        try PKCS11.check(
            module.f.openSession(settings.slot, PKCS11.serialSession | PKCS11.readWriteSession, nil, nil, &session),
            "a session on slot \(settings.slot)")
        return session
    }

    private func withSession<Result>(_ body: (hp11_ulong) throws -> Result) throws -> Result {
        let session = try idle.withLock { $0.popLast() } ?? openSession()
        defer { idle.withLock { $0.append(session) } }
        return try body(session)
    }

    private func find(_ objectClass: hp11_ulong, id: [UInt8], session: hp11_ulong) throws -> hp11_ulong {
        let template = AttributeList()
        template.add(PKCS11.attributeClass, objectClass)
        template.add(PKCS11.attributeID, id)
        try template.withAttributes { attributes, count in
            try PKCS11.check(module.f.findObjectsInit(session, attributes, count), "a search for a key")
        }
        defer { _ = module.f.findObjectsFinal(session) }
        var handle: hp11_ulong = 0
        var found: hp11_ulong = 0
        try PKCS11.check(module.f.findObjects(session, &handle, 1, &found), "a search for a key")
        guard found == 1 else {
            throw HearthError(
                .configuration, "the PKCS#11 token (slot \(settings.slot)) has no key with id \(id.hexString): was it deleted, or is this another token?")
        }
        return handle
    }

    /// The public key of `handle` (CKA_EC_POINT): the DER OCTET STRING around the point, which some
    /// modules leave off.
    private func publicPoint(_ handle: hp11_ulong, session: hp11_ulong, algorithm: HubPrivateKey.Algorithm) throws -> [UInt8] {
        var value = [UInt8](repeating: 0, count: 160)
        var attribute = HP11Attribute(type: PKCS11.attributeECPoint, value: nil, length: hp11_ulong(value.count))
        try value.withUnsafeMutableBytes { buffer in
            attribute.value = buffer.baseAddress
            try PKCS11.check(module.f.getAttributeValue(session, handle, &attribute, 1), "reading a public key")
        }
        var point = Array(value.prefix(Int(attribute.length)))
        if point.count >= 2, point[0] == 0x04, Int(point[1]) == point.count - 2, point[1] < 0x80 {
            point = Array(point.dropFirst(2))
        }
        let expected = switch algorithm {
        case .p256: 65
        case .p384: 97
        case .ed25519: 32
        }
        guard point.count == expected else {
            throw HearthError(.configuration, "the PKCS#11 token returned a \(algorithm.rawValue) public key of \(point.count) bytes")
        }
        return point
    }
}

/// A private key in a ``PKCS11Token``: its object handle (valid for every session of this process)
/// and its public key, read once.
struct PKCS11Key: TokenKey {
    let token: PKCS11Token
    let reference: [UInt8]
    let handle: hp11_ulong
    let algorithm: HubPrivateKey.Algorithm
    let publicKeyBytes: [UInt8]

    func sign(_ input: [UInt8]) throws -> [UInt8] {
        try token.sign(input, handle: handle, algorithm: algorithm)
    }
}
