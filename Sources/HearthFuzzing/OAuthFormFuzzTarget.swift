import HearthOAuth

/// `application/x-www-form-urlencoded` bodies of the token, revocation, introspection and PAR
/// endpoints. A form that parses must encode and parse back to the same fields.
enum OAuthFormFuzzTarget {
    static let target = FuzzTarget(name: "oauth-form", summary: "OAuth form decoding (RFC 6749 §3.1/§3.2)") { bytes in
        guard let form = try? OAuthForm(parsing: String(decoding: bytes, as: UTF8.self)) else { return false }
        let fields = form.fields
        let again = try? OAuthForm(parsing: OAuthForm.encode(fields.map { ($0.name, $0.value) }))
        FuzzInvariant.check(
            again.map { $0.fields.elementsEqual(fields) { $0.name == $1.name && $0.value == $1.value } } ?? false,
            "a parsed form does not encode and parse back to itself")
        return true
    }
}
