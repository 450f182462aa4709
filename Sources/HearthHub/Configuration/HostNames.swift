import Foundation
import NIOCore

/// The names the hub answers to over HTTPS: `localhost`, the extra DNS names of its certificate,
/// and the hosts of its public URL and OAuth issuer. A request naming another DNS name is refused
/// (421): DNS rebinding — a page on `evil.example` whose name the attacker points at the hub —
/// needs the browser to send the page's own name. An IP literal is always accepted: it cannot be
/// rebound, and an owner may reach the hub by its LAN address.
public struct HostNames: Sendable {
    private let names: Set<String>

    /// The names of a hub configured with `hostnames`, reached at `urls` (its public URL, its issuer).
    public init(hostnames: [String], urls: [String]) {
        names = Set((HubCertificate.dnsNames(hostnames: hostnames) + urls.compactMap { URLComponents(string: $0)?.host })
            .map(Self.normalized))
    }

    /// Whether a request with this `Host` header is for this hub. No header (HTTP/1.0, a tool)
    /// is accepted: rebinding happens in browsers, which always send one.
    public func allows(_ header: String?) -> Bool {
        guard let header, !header.isEmpty else { return true }
        let host = Self.host(of: header)
        if Self.isAddress(host) { return true }
        return names.contains(Self.normalized(host))
    }

    /// The host of a `Host` header: without its port, brackets kept off an IPv6 literal.
    static func host(of header: String) -> String {
        if header.hasPrefix("["), let close = header.firstIndex(of: "]") {
            return String(header[header.index(after: header.startIndex)..<close])
        }
        if let colon = header.lastIndex(of: ":"), header.firstIndex(of: ":") == colon { return String(header[..<colon]) }
        return header
    }

    static func isAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    private static func normalized(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        return name
    }
}
