import Synchronization

/// The authorization server's issuer identifier (RFC 8414 §2): the configured public URL, or,
/// for a hub told to pick a free port, `https://<host>:<bound port>` once it is listening.
///
/// A Mutex because the handlers read it on event loops and the listener sets it once at start.
package final class OAuthIssuer: Sendable {
    private let value: Mutex<String>

    package init(_ initial: String) { value = Mutex(initial) }

    package var url: String { value.withLock { $0 } }

    package func set(_ url: String) { value.withLock { $0 = url } }

    /// The URL of an endpoint under the issuer, as clients must name it (DPoP `htu`, assertion `aud`).
    package func endpoint(_ path: String) -> String { url + path }
}
