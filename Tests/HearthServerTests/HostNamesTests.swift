import HearthHub
import Testing

/// Which `Host` headers the hub answers (DNS rebinding, docs/detection.md).
@Suite struct HostNamesTests {
    let names = HostNames(hostnames: ["hearth.home.arpa"], urls: ["https://Hub.Example.org:8443", "https://127.0.0.1:8443"])

    @Test(arguments: [
        "localhost", "localhost:8443", "hearth.home.arpa", "HEARTH.home.arpa.:443", "hub.example.org:8443",
        "127.0.0.1:8443", "192.168.1.10", "[::1]:8443", "[fe80::1]", "::1",
    ])
    func theHubsNamesAndAnyAddressAreAccepted(host: String) {
        #expect(names.allows(host))
    }

    @Test(arguments: ["evil.example", "evil.example:8443", "hearth.home.arpa.evil.example", "localhost.evil", "1.2.3.4.nip.io", "[evil]"])
    func otherNamesAreRefused(host: String) {
        #expect(!names.allows(host))
    }

    @Test func noHostHeaderIsAccepted() {
        #expect(names.allows(nil) && names.allows(""))
    }
}
