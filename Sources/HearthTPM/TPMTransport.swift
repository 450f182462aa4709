import Foundation
import Glibc

/// Where a TPM's commands go, raw (the TCG command and response bytes): the kernel's resource
/// manager at /dev/tpmrm0, or swtpm's TCP server (`swtpm socket --server type=tcp`).
public enum TPMAddress: Sendable, Equatable, CustomStringConvertible {
    case device(String)
    case tcp(host: String, port: Int)

    /// `/dev/tpmrm0`, or `swtpm:host=127.0.0.1,port=2321` (the tpm2-tools TCTI spelling).
    public init(parsing text: String) throws {
        if text.hasPrefix("/") {
            self = .device(text)
            return
        }
        guard text.hasPrefix("swtpm:") else { throw TPMError.unreachable("\(text) is neither /dev/tpm… nor swtpm:host=…,port=…") }
        var host = "127.0.0.1"
        var port: Int?
        for pair in text.dropFirst("swtpm:".count).split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw TPMError.unreachable("\(text): \(pair) is not key=value") }
            switch parts[0] {
            case "host": host = parts[1]
            case "port": port = Int(parts[1])
            default: throw TPMError.unreachable("\(text): unknown \(parts[0])")
            }
        }
        guard let port, (1...65535).contains(port) else { throw TPMError.unreachable("\(text) needs port=1…65535") }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .device(let path): path
        case .tcp(let host, let port): "swtpm:host=\(host),port=\(port)"
        }
    }
}

/// One open channel to a TPM: a command is written whole and its response read whole (10-byte
/// header, then the size it gives). Blocking: the device SDK signs from synchronous callbacks
/// (a TLS handshake's CertificateVerify), and a TPM answers one command at a time anyway.
final class TPMChannel {
    private let descriptor: Int32
    private let isSocket: Bool

    init(_ address: TPMAddress) throws {
        switch address {
        case .device(let path):
            let descriptor = open(path, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { throw TPMError.unreachable("\(path): \(String(cString: strerror(errno)))") }
            self.descriptor = descriptor
            isSocket = false
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var found: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
                throw TPMError.unreachable("cannot resolve \(host)")
            }
            defer { freeaddrinfo(found) }
            let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw TPMError.unreachable("socket: \(String(cString: strerror(errno)))") }
            guard connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw TPMError.unreachable("\(host):\(port): \(reason)")
            }
            self.descriptor = descriptor
            isSocket = true
        }
    }

    deinit { close(descriptor) }

    func transmit(_ command: [UInt8]) throws -> [UInt8] {
        var sent = 0
        while sent < command.count {
            let written = command[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw TPMError.unreachable("write: \(String(cString: strerror(errno)))") }
            sent += written
        }
        // The device returns a whole response to one read; a socket may split it.
        var response = try read(atLeast: 10, upTo: 4096)
        var reader = TPMReader(response)
        _ = try reader.u16()
        let size = Int(try reader.u32())
        guard (10...4096).contains(size) else { throw TPMError.malformedResponse }
        while response.count < size { response += try read(atLeast: 1, upTo: size - response.count) }
        return response
    }

    private func read(atLeast minimum: Int, upTo maximum: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: maximum)
        while bytes.count < minimum {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, maximum - bytes.count) }
            guard count > 0 else { throw TPMError.unreachable(count == 0 ? "the TPM closed the connection" : String(cString: strerror(errno))) }
            bytes += buffer.prefix(count)
            if !isSocket { break }
        }
        return bytes
    }
}
