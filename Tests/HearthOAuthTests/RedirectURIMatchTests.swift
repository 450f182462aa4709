import HearthOAuth
import Testing

/// RFC 8252 §7.3: a public native client's loopback redirect URI matches on any port; nothing
/// else is loosened.
@Suite struct RedirectURIMatchTests {
    static let registered = ["http://127.0.0.1/cb", "http://[::1]:1234/cb?app=1", "https://app.example/cb", "http://localhost/cb"]

    @Test(arguments: [
        "http://127.0.0.1/cb", "http://127.0.0.1:51234/cb", "http://127.0.0.1:80/cb", "http://127.0.0.1:65535/cb",
        "http://[::1]:1234/cb?app=1", "http://[::1]:51234/cb?app=1", "http://[::1]/cb?app=1", "https://app.example/cb",
        "http://localhost/cb",
    ])
    func aPublicClientMayUseAnyLoopbackPort(presented: String) {
        #expect(RedirectURIMatch.isRegistered(presented, in: Self.registered, anyLoopbackPort: true))
    }

    @Test(arguments: [
        "http://127.0.0.1:51234/other", "http://127.0.0.1:51234/cb/", "http://127.0.0.1:51234/cb?x=1", "http://127.0.0.1:51234/CB",
        "http://127.0.0.1:51234/cb#f", "http://[::1]:51234/cb", "http://[::1]:51234/cb?app=2", "http://127.0.0.2:51234/cb",
        "http://localhost:51234/cb", "https://127.0.0.1:51234/cb", "https://app.example:8443/cb", "http://127.0.0.1:0/cb",
        "http://127.0.0.1:65536/cb", "http://127.0.0.1:051234/cb", "http://127.0.0.1:/cb", "http://127.0.0.1:+80/cb",
        "http://user@127.0.0.1:51234/cb", "http://127.0.0.1:51234@evil.example/cb", "http://[::1]x:51234/cb?app=1",
        "http://127.0.0.1.evil.example:51234/cb",
    ])
    func anythingButThePortMustMatch(presented: String) {
        #expect(!RedirectURIMatch.isRegistered(presented, in: Self.registered, anyLoopbackPort: true))
    }

    @Test func aConfidentialClientGetsExactMatchingOnly() {
        #expect(RedirectURIMatch.isRegistered("http://127.0.0.1/cb", in: Self.registered, anyLoopbackPort: false))
        #expect(!RedirectURIMatch.isRegistered("http://127.0.0.1:51234/cb", in: Self.registered, anyLoopbackPort: false))
        #expect(!RedirectURIMatch.isRegistered("http://[::1]:51234/cb?app=1", in: Self.registered, anyLoopbackPort: false))
    }
}
