import Foundation
import HearthCore

/// An advisory lock on `<data>/hub.lock` (flock): every `hearth serve` holds it shared for its
/// life, and `hearth restore` needs it alone, so a backup is never restored under a running hub.
/// The kernel drops it when the process ends, however it ends.
public final class DataFolderLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Shared: any number of hubs on the folder.
    public static func shared(_ folder: DataFolder) throws -> DataFolderLock {
        guard let lock = try take(folder, LOCK_SH) else {
            throw HearthError(.conflict, "the data folder \(folder.path) is being restored; wait for it to finish")
        }
        return lock
    }

    /// Exclusive, or nil when a hub holds the folder.
    public static func alone(_ folder: DataFolder) throws -> DataFolderLock? {
        try take(folder, LOCK_EX)
    }

    private static func take(_ folder: DataFolder, _ operation: Int32) throws -> DataFolderLock? {
        let descriptor = open(folder.path + "/hub.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HearthError(.configuration, "cannot open \(folder.path)/hub.lock: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, operation | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return DataFolderLock(descriptor: descriptor)
    }
}
