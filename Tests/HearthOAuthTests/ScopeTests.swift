import HearthOAuth
import Testing

@Suite struct ScopeTests {
    @Test func parsesAndSortsEveryDefinedScope() throws {
        let text = "offline_access devices:read devices:control:lighting devices:manage devices:transfer pairing:approve "
            + "telemetry:read:energy-1 audit:read ca:admin clients:manage hub:admin"
        let scopes = try ScopeSet(parsing: text)
        #expect(scopes.tokens == scopes.tokens.sorted())
        #expect(scopes.tokens.count == 11)
        #expect(scopes.text == scopes.tokens.joined(separator: " "))
        #expect(try ScopeSet(parsing: scopes.text) == scopes)
    }

    @Test func theEmptyStringIsTheEmptySet() throws {
        let scopes = try ScopeSet(parsing: "")
        #expect(scopes.isEmpty && scopes.text == "")
    }

    @Test(arguments: [
        "devices:write", "Devices:read", "devices:read ", " devices:read", "devices:read  audit:read", "devices:control:*",
        "devices:*", "*", "devices:control:", "devices:control:Lighting", "devices:control:a_b",
        "devices:control:" + String(repeating: "z", count: 33), "telemetry:read", "telemetry:read:", "pairing:approve:security",
        "openid", "devices:read\taudit:read", "devices:readx",
    ])
    func refusesWhatTheGrammarDoesNotDefine(_ text: String) {
        #expect(throws: OAuthError(.invalidScope, "the scope contains a value this hub does not define")) {
            try ScopeSet(parsing: text)
        }
    }

    @Test func zoneAndFlowNamesUpTo32Characters() throws {
        let name = String(repeating: "a", count: 31) + "9"
        #expect(try ScopeSet(parsing: "devices:control:\(name) telemetry:read:x").tokens.count == 2)
    }

    @Test func refusesDuplicates() {
        #expect(throws: OAuthError(.invalidScope, "the scope repeats a value")) { try ScopeSet(parsing: "audit:read audit:read") }
    }

    @Test func refusesMoreThanThirtyTokens() throws {
        let thirty = (1...30).map { "devices:control:z\($0)" }
        #expect(try ScopeSet(parsing: thirty.joined(separator: " ")).tokens.count == 30)
        #expect(throws: OAuthError(.invalidScope, "at most 30 scopes can be requested at once")) {
            try ScopeSet(parsing: (thirty + ["audit:read"]).joined(separator: " "))
        }
    }

    @Test func subsets() throws {
        let granted = try ScopeSet(parsing: "devices:read devices:control:lighting offline_access")
        #expect(try ScopeSet(parsing: "devices:read").isSubset(of: granted))
        #expect(try ScopeSet(parsing: "").isSubset(of: granted))
        #expect(granted.isSubset(of: granted))
        #expect(try !ScopeSet(parsing: "devices:control:security").isSubset(of: granted))
        #expect(try !ScopeSet(parsing: "devices:read audit:read").isSubset(of: granted))
        #expect(granted.contains("offline_access") && !granted.contains("audit:read"))
    }

    @Test(arguments: ["pairing:approve", "devices:transfer", "ca:admin", "hub:admin"])
    func sensitiveScopesNeedStepUp(_ scope: String) throws {
        #expect(try ScopeSet(parsing: "devices:read \(scope)").needsStepUp)
    }

    @Test func everydayScopesDoNotNeedStepUp() throws {
        let scopes = try ScopeSet(parsing: "devices:read devices:control:security devices:manage telemetry:read:power audit:read clients:manage offline_access")
        #expect(!scopes.needsStepUp)
    }
}
