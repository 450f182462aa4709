import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that a crash or power cut cannot leave half done: the bytes go to a temporary
/// file in the same folder, created with its final permissions (a key is never readable by others,
/// not even for a moment), are flushed to disk, and replace the target by `rename`, which POSIX
/// makes atomic; the folder is flushed too so the rename itself survives a power cut. Shared by the
/// device SDK's state folder and the hub's data folder (the audit checkpoint file).
public enum AtomicFile {
    public static func write(_ bytes: some Collection<UInt8>, to url: URL, mode: mode_t = 0o644) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(SecureRandom.bytes(6).hexString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        var written = false
        defer {
            close(descriptor)
            if !written { unlink(temporary.path) }
        }
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let count = data[offset...].withUnsafeBytes { posixWrite(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw failure("write", temporary) }
            offset += count
        }
        // The umask may have narrowed the mode at creation; set it exactly.
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else { throw failure("flush", temporary) }
        guard rename(temporary.path, url.path) == 0 else { throw failure("replace", url) }
        written = true
        syncFolder(folder)
    }

    /// Moves `source` over `target` atomically (both in one folder) and flushes the folder.
    public static func move(_ source: URL, over target: URL) throws {
        guard rename(source.path, target.path) == 0 else { throw failure("replace", target) }
        syncFolder(target.deletingLastPathComponent())
    }

    /// Creates `folder` (and its parents) readable by its owner only, or narrows an existing one.
    public static func makePrivateFolder(_ folder: URL) throws {
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard chmod(folder.path, 0o700) == 0 else { throw failure("protect", folder) }
    }

    /// Best effort: a folder that cannot be opened for syncing (some file systems) was still written.
    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func failure(_ action: String, _ url: URL) -> HearthError {
        HearthError(.storageUnavailable, "could not \(action) \(url.path): \(String(cString: strerror(errno)))")
    }
}

/// `write(2)` under a name that does not collide with Swift's `write` methods in scope.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Darwin)
    Darwin.write(descriptor, buffer, count)
    #elseif canImport(Musl)
    Musl.write(descriptor, buffer, count)
    #else
    Glibc.write(descriptor, buffer, count)
    #endif
}
