/// Whether a redirect URI presented at the authorization endpoint is one the client registered.
///
/// Redirect URIs are compared exactly (RFC 6749 §3.1.2, RFC 9700 §4.1.3), with one exception:
/// a native app listening on the loopback interface gets whatever port the operating system gives
/// it at that moment, so for a public native client a `http` loopback IP literal URI matches a
/// registered one that differs only in its port (RFC 8252 §7.3). `localhost` gets no such
/// allowance (RFC 8252 §8.3 advises against it: it may resolve elsewhere), and the path and query
/// must still match exactly.
public enum RedirectURIMatch {
    public static func isRegistered(_ presented: String, in registered: [String], anyLoopbackPort: Bool) -> Bool {
        if registered.contains(presented) { return true }
        guard anyLoopbackPort, let uri = LoopbackURI(presented) else { return false }
        return registered.contains { LoopbackURI($0)?.matches(uri) ?? false }
    }

    /// `http://127.0.0.1[:port]<rest>` or `http://[::1][:port]<rest>`, where `rest` is the path and
    /// query (empty, or starting with `/` or `?`). Anything else (user info, a fragment, another
    /// host, a malformed port) is not one.
    struct LoopbackURI: Equatable {
        let host: Substring
        let rest: Substring

        init?(_ text: String) {
            guard text.utf8.count <= 512, !text.contains("#"), text.prefix(7).lowercased() == "http://" else { return nil }
            let afterScheme = text.dropFirst(7)
            let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
            let authority = afterScheme[..<authorityEnd]
            let host: Substring
            let port: Substring?
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = authority[...close]
                let after = authority[authority.index(after: close)...]
                guard after.isEmpty || after.hasPrefix(":") else { return nil }
                port = after.isEmpty ? nil : after.dropFirst()
            } else if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            } else {
                host = authority
                port = nil
            }
            guard host == "127.0.0.1" || host == "[::1]" else { return nil }
            if let port, !Self.isPort(port) { return nil }
            self.host = host
            rest = afterScheme[authorityEnd...]
        }

        func matches(_ other: LoopbackURI) -> Bool { host == other.host && rest == other.rest }

        /// 1 to 65535 in decimal, without a leading zero.
        static func isPort(_ text: Substring) -> Bool {
            guard (1...5).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }), text.first != "0",
                  let value = Int(text)
            else { return false }
            return value <= 65535
        }
    }
}
