import Foundation

/// Where an owner may have alerts posted: an `https://` URL, or `http://` to the hub's own
/// machine (a receiver on the same box, where nothing crosses the network). Never with a user
/// name or password in it: the URL is shown back and kept in clear, and the body is signed.
public struct WebhookAddress: Sendable, Hashable {
    public let url: URL

    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case notAURL
        case scheme
        case credentials
        case tooLong

        public var description: String {
            switch self {
            case .notAURL: "the webhook must be an absolute URL with a host, like https://alerts.example.org/hearth"
            case .scheme: "the webhook must be https:// (http:// only to this machine: 127.0.0.1, ::1 or localhost)"
            case .credentials: "the webhook URL must not carry a user name or password; the signature authenticates the hub"
            case .tooLong: "the webhook URL must be at most 2048 characters"
            }
        }
    }

    public init(_ text: String) throws(Refusal) {
        guard text.count <= 2048 else { throw .tooLong }
        guard let components = URLComponents(string: text), let url = components.url, let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { throw .notAURL }
        guard components.user == nil, components.password == nil else { throw .credentials }
        switch scheme {
        case "https": break
        case "http" where Self.isLoopback(host): break
        default: throw .scheme
        }
        self.url = url
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil } && octets[0] == "127"
    }
}
