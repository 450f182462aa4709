import Glibc

/// Keys are made one at a time on a machine, whatever the token: every thread and process that
/// makes one in a token of the same PKCS#11 module holds an advisory lock (`flock`) on the
/// module's file while it does, on a descriptor of its own.
///
/// SoftHSM2's file object store fails object creation racing with another, in the same process or
/// another one (`hearth init --pkcs11` while a hub runs, test hubs beside their test process),
/// with CKR_GENERAL_ERROR (SoftHSMv2 issue #573). Making a key is rare (a CA, a signing key), so
/// nothing is lost by waiting. A module file that cannot be opened (it was loaded, so this is
/// unlikely) is used without the lock.
enum ModuleLock {
    static func holding<Result>(_ modulePath: String, _ body: () throws -> Result) rethrows -> Result {
        let descriptor = open(modulePath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return try body() }
        // Closing the descriptor releases the lock.
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0, errno == EINTR {}
        return try body()
    }
}
