import ArgumentParser
import Foundation
import HearthPKCS11

/// `hearth init --pkcs11` (and `hearth-bench pki --pkcs11`): the token the hub's signing keys are made in.
public struct TokenOptions: ParsableArguments {
    public init() {}

    @Option(
        name: .customLong("pkcs11"),
        help: "Make the CA, TLS, token-signing, audit and witness keys in this PKCS#11 module's token (e.g. /usr/lib/softhsm/libsofthsm2.so); they never leave it.")
    var module: String?

    @Option(name: .long, help: "With --pkcs11: the token's slot id.")
    var slot: UInt?

    @Option(name: .customLong("pin-file"), help: "With --pkcs11: a file (mode 600) whose first line is the token's user PIN.")
    var pinFile: String?

    /// The settings, checked by logging in to the token, or nil without --pkcs11.
    public func settings() throws -> PKCS11Settings? {
        guard let module else {
            guard slot == nil, pinFile == nil else { throw ValidationError("--slot and --pin-file go with --pkcs11") }
            return nil
        }
        guard let slot, let pinFile else { throw ValidationError("--pkcs11 needs --slot and --pin-file") }
        let settings = PKCS11Settings(
            module: module, slot: slot, pinFile: URL(fileURLWithPath: pinFile).standardizedFileURL.path)
        _ = try PKCS11Token(settings)
        return settings
    }
}
