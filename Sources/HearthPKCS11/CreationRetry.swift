import CPKCS11
import Glibc

/// Making a key is asked again when the token fails it in a way that passes.
///
/// SoftHSM2's file object store now and then fails object creation while other sessions use the
/// token — `CKR_GENERAL_ERROR` or `CKR_TEMPLATE_INCONSISTENT` from within `C_GenerateKeyPair` —
/// and the same call succeeds when made again (SoftHSMv2 issue #573; serializing key making, as
/// ``ModuleLock`` does, did not end it: signing in other sessions takes part). Any other answer,
/// and the last of `attempts`, stands.
enum CreationRetry {
    static let attempts = 4

    static func isTransient(_ rv: hp11_ulong) -> Bool { rv == PKCS11.generalError || rv == PKCS11.templateInconsistent }

    /// Runs `make` until it answers CKR_OK or anything not transient, at most `attempts` times,
    /// pausing a little longer before each try; the last answer.
    static func run(pause: (Int) -> Void = { usleep(UInt32($0) * 20_000) }, _ make: () throws -> hp11_ulong) rethrows -> hp11_ulong {
        var rv = try make()
        var attempt = 1
        while isTransient(rv), attempt < attempts {
            pause(attempt)
            attempt += 1
            rv = try make()
        }
        return rv
    }
}
