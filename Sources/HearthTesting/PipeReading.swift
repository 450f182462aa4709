import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads from a pipe with `read(2)`, retrying when a signal interrupts it. Foundation's
/// `readDataToEndOfFile()` and `availableData` trap on EINTR (a `try!` inside), and SIGCHLD
/// arrives often when tests run many processes at once.
enum PipeReading {
    /// Everything until end of file.
    static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        while let chunk = readSome(handle), !chunk.isEmpty { data += chunk }
        return data
    }

    /// What is there now (at least one byte unless at end of file); empty at end of file, nil on
    /// an error other than EINTR.
    static func readSome(_ handle: FileHandle) -> Data? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno != EINTR { return nil }
        }
    }

    /// Reads `handle` on a thread of its own until end of file, passing each chunk on as text.
    /// The returned semaphore is signalled at end of file.
    @discardableResult
    static func drain(_ handle: FileHandle, into append: @escaping @Sendable (String) -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        Thread {
            while let data = readSome(handle), !data.isEmpty { append(String(decoding: data, as: UTF8.self)) }
            done.signal()
        }.start()
        return done
    }
}
