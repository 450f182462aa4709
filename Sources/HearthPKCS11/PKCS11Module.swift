import CPKCS11
import HearthCore
import Synchronization

/// A loaded PKCS#11 module: its function list, initialized once per process.
///
/// `@unchecked Sendable`: the function list is a table of C function pointers the module never
/// changes, and the module is initialized with `CKF_OS_LOCKING_OK`, which the standard defines as
/// "the library may be called from several threads at once"; sessions, the state that must not be
/// shared, are handed out one caller at a time by ``PKCS11Token``.
struct PKCS11Module: @unchecked Sendable {
    let path: String
    let functions: UnsafePointer<HP11FunctionList>

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// The module at `path`, loaded and initialized on first use. A module is never finalized: its
    /// sessions (and the login they share) last as long as the process.
    static func load(_ path: String) throws -> PKCS11Module {
        try loaded.withLock { loaded in
            if let module = loaded[path] { return module }
            var error = [CChar](repeating: 0, count: 512)
            guard let list = hearth_pkcs11_load(path, &error, error.count) else {
                let reason = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw HearthError(.configuration, "cannot load the PKCS#11 module \(path): \(reason)")
            }
            var arguments = HP11InitializeArguments(
                createMutex: nil, destroyMutex: nil, lockMutex: nil, unlockMutex: nil, flags: PKCS11.osLockingOK, reserved: nil)
            let rv = list.pointee.initialize(&arguments)
            guard rv == PKCS11.ok || rv == PKCS11.alreadyInitialized else {
                throw PKCS11.error(rv, "initializing the module \(path)")
            }
            let module = PKCS11Module(path: path, functions: list)
            loaded[path] = module
            return module
        }
    }

    var f: HP11FunctionList { functions.pointee }
}
