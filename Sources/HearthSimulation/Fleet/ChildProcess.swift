import Foundation

/// A program the simulator runs to its end: the `ip` tool, the simulator itself in the devices'
/// namespace, a `hearth` command on the hub's data. (The hub itself runs beside the simulator:
/// ``HubProcess``.)
enum ChildProcess {
    enum Output {
        /// The simulator's own standard output and error.
        case inherit
        /// Standard output and error together, returned.
        case capture
    }

    /// Runs `executable` with `input` on its standard input (none: an empty one) and waits for it
    /// — blocking the calling thread, as these run for moments, or for the whole simulation (the
    /// re-run in the namespace, from a process that does nothing else meanwhile).
    static func run(
        _ executable: URL, _ arguments: [String], input: String? = nil, output: Output = .capture
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let captured = Pipe()
        if output == .capture {
            process.standardOutput = captured
            process.standardError = captured
            process.standardInput = FileHandle.nullDevice
        }
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try process.run()
        if let input, let stdin {
            stdin.fileHandleForWriting.write(Data((input + "\n").utf8))
            try stdin.fileHandleForWriting.close()
        }
        let text = output == .capture ? String(decoding: captured.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) : ""
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
