import Foundation

/// A software TPM 2.0 (`swtpm`, Debian's swtpm) for a test: its own state folder, its TPM command
/// port on 127.0.0.1, started up (TPM2_Startup done by swtpm) and stopped by ``stop()``.
public final class SoftwareTPM: Sendable {
    public static let executable = "/usr/bin/swtpm"
    public let port: Int
    public let folder: URL
    private let process: HearthProcess

    /// The address the device SDK and `hearth device --tpm` take.
    public var address: String { "swtpm:host=127.0.0.1,port=\(port)" }
    /// The same TPM as tpm2-tools names it (`-T`; its control port is the TPM's plus one).
    public var tcti: String { "swtpm:host=127.0.0.1,port=\(port)" }

    public init() async throws {
        folder = try TemporaryFolder.make(prefix: "swtpm")
        port = try FreePort.tcpPair()
        let control = port + 1
        process = try HearthProcess(executable: Self.executable, [
            "socket", "--tpm2", "--tpmstate", "dir=\(folder.path)",
            "--server", "type=tcp,port=\(port),bindaddr=127.0.0.1",
            "--ctrl", "type=tcp,port=\(control),bindaddr=127.0.0.1",
            "--flags", "not-need-init,startup-clear",
        ])
        // Ready once its port accepts a connection.
        let start = ContinuousClock.now
        while !Self.accepts(port) {
            guard ContinuousClock.now - start < .seconds(10) else {
                process.signal(SIGKILL)
                throw CurlClient.CurlError(message: "swtpm did not listen on \(port): \(process.standardError)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    public func stop() {
        process.signal(SIGTERM)
        try? FileManager.default.removeItem(at: folder)
    }

    private static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
