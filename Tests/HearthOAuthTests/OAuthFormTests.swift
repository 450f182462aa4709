import HearthOAuth
import Testing

struct OAuthFormTests {
    /// Fields come in the order of their names' UTF-8 bytes, whatever order they were sent in —
    /// also for names `String` calls equivalent in parts (";" and U+037E, which NFC maps to ";").
    @Test func fieldsHaveOneOrderWhateverTheOrderSent() throws {
        let names = [";i", "\u{37E}", "b", "a;", "\u{37E}x"]
        for rotation in names.indices {
            let sent = Array(names[rotation...] + names[..<rotation])
            let form = try OAuthForm(parsing: OAuthForm.encode(sent.map { ($0, "v") }))
            #expect(form.fields.map(\.name) == [";i", "a;", "b", "\u{37E}", "\u{37E}x"], "sent as \(sent)")
        }
    }

    @Test func aFormEncodesAndParsesBackToItself() throws {
        let form = try OAuthForm(parsing: "grant_type=refresh_token&refresh_token=a%2Bb%3D%26&scope=devices%3Aread+offline_access&%CD%BE=m")
        let again = try OAuthForm(parsing: OAuthForm.encode(form.fields.map { ($0.name, $0.value) }))
        #expect(again.fields.elementsEqual(form.fields) { $0.name == $1.name && $0.value == $1.value })
        #expect(form["scope"] == "devices:read offline_access" && form["refresh_token"] == "a+b=&")
    }
}
