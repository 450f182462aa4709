import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its standard output and error on pipes.
///
/// Not Foundation's `Process`: on Linux its `run()` reads `/proc/self/fd` copying whole 256-byte
/// `d_name` fields, which over-reads glibc's buffer and crashes at random when the test process
/// holds many descriptors (swift-corelibs-foundation PR 5472, not in this toolchain).
struct ChildProcess {
    let pid: pid_t
    let standardOutput: FileHandle
    let standardError: FileHandle

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `executable` with `arguments` and exactly `environment`; standard input is
    /// `/dev/null`. The child starts with no blocked signals and default signal handling (the
    /// test process blocks some for its own use) and with only descriptors 0–2 open.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> ChildProcess {
        // One spawn at a time: a pipe is marked close-on-exec just after it is made, and no other
        // child may be started in between and inherit it (it would hold the pipe open, and the
        // reader would never see end of file).
        spawning.lock()
        defer { spawning.unlock() }
        let output = try pipe()
        let errors: [Int32]
        do { errors = try pipe() } catch {
            close(output[0])
            close(output[1])
            throw error
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        _ = closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(output[1])
        close(errors[1])
        guard result == 0 else {
            close(output[0])
            close(errors[0])
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(
            pid: pid, standardOutput: FileHandle(fileDescriptor: output[0], closeOnDealloc: true),
            standardError: FileHandle(fileDescriptor: errors[0], closeOnDealloc: true))
    }

    private static let spawning = NSLock()

    private static func pipe() throws -> [Int32] {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return ends
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does
    /// not export: the child closes every descriptor from 3 up, so none leaks into it.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    /// Blocks until the child ends; its exit code, or the number of the signal that ended it
    /// (as Foundation's `terminationStatus` reports it).
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }
}
