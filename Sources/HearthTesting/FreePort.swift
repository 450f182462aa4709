#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP port on 127.0.0.1 that nothing listens on right now, for a process that must be told its
/// port before it starts (the hub writes its listen port into its public URL at init, so port 0
/// would not show what an operator sees).
public enum FreePort {
    public static func tcp() throws -> Int {
        guard let port = try bind(0) else { throw CurlClient.CurlError(message: "could not bind 127.0.0.1:0") }
        return port
    }

    /// Two free ports, the second one past the first: swtpm's TPM and control ports, as
    /// tpm2-tools' swtpm TCTI finds the control port (the TPM's plus one).
    public static func tcpPair() throws -> Int {
        for _ in 0..<50 {
            let first = try tcp()
            if first < 65535, try bind(first + 1) != nil { return first }
        }
        throw CurlClient.CurlError(message: "no two free ports in a row on 127.0.0.1")
    }

    /// Binds 127.0.0.1:`port` (0: any) for a moment; the port bound, or nil if it was taken.
    private static func bind(_ port: Int) throws -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CurlClient.CurlError(message: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                Glibc.bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
