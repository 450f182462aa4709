import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether bytes occur in a file's contents, with the C library's `memchr` and `memcmp`.
/// `Data.range(of:)` compares byte by byte through generic code; over a database file and a dozen
/// needles it ran for tens of seconds on a cooperative thread, stalling every other test's hub.
public enum ByteSearch {
    public static func contains(_ haystack: Data, _ needle: Data) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                guard let start = hay.baseAddress, let pattern = pin.baseAddress else { return false }
                let first = Int32(pin[0])
                let last = hay.count - pin.count
                var offset = 0
                while offset <= last {
                    guard let found = memchr(start + offset, first, last - offset + 1) else { return false }
                    offset = start.distance(to: UnsafeRawPointer(found))
                    if memcmp(start + offset, pattern, pin.count) == 0 { return true }
                    offset += 1
                }
                return false
            }
        }
    }
}
