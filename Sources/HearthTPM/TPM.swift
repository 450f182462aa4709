import Crypto
import HearthCore
import Synchronization

/// A TPM 2.0 that makes and uses a device's P-256 signing keys (``TPMCommands`` says how a key is
/// named and why it never leaves the TPM). Commands are sent one at a time over one channel,
/// opened on first use and again after a failure.
public final class TPM: Sendable {
    public let address: TPMAddress
    // `Mutex` over the channel: one command in flight, as a TPM takes them.
    private let channel = Mutex<TPMChannel?>(nil)

    public init(_ address: TPMAddress) { self.address = address }

    /// A new key: 32 random bytes name it in the TPM.
    public func makeKey() throws -> TPMKey {
        try key(named: SecureRandom.bytes(32))
    }

    /// The key `name` names (the same key every time, on this TPM, until its owner hierarchy is cleared).
    public func key(named name: [UInt8]) throws -> TPMKey {
        let point = try withPrimary(name) { _, point in point }
        return TPMKey(tpm: self, reference: name, publicKeyBytes: point)
    }

    /// Signs a SHA-256 digest with the key `name`: the key is loaded (derived again), signs, and is flushed.
    func sign(digest: [UInt8], name: [UInt8]) throws -> [UInt8] {
        try withPrimary(name) { handle, _ in
            try TPMCommands.signature(try transmit(TPMCommands.sign(handle: handle, digest: digest)))
        }
    }

    private func withPrimary<Result>(_ name: [UInt8], _ body: (UInt32, [UInt8]) throws -> Result) throws -> Result {
        let (handle, point) = try TPMCommands.createdPrimary(try transmit(TPMCommands.createPrimary(unique: name)))
        defer { _ = try? TPMCommands.flushed(try transmit(TPMCommands.flush(handle: handle))) }
        return try body(handle, point)
    }

    private func transmit(_ command: [UInt8]) throws -> [UInt8] {
        try channel.withLock { channel in
            do {
                let open = try channel ?? TPMChannel(address)
                channel = open
                return try open.transmit(command)
            } catch let error as TPMError {
                if case .unreachable = error { channel = nil }
                throw error
            }
        }
    }
}

/// A P-256 key in a TPM, as the SDK's keys see a key in a token.
public struct TPMKey: TokenKey {
    let tpm: TPM
    public let reference: [UInt8]
    public let publicKeyBytes: [UInt8]
    public var algorithm: HubPrivateKey.Algorithm { .p256 }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        guard input.count == 32 else { throw TPMError.refused(command: "Sign (a SHA-256 digest only)", code: 0) }
        return try tpm.sign(digest: input, name: reference)
    }
}
