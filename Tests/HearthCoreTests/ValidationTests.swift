import HearthCore
import Testing

@Suite struct ValidationTests {
    @Test func defaultZonesAreTheFiveOfTheDesign() {
        #expect(Zone.defaults.map(\.name) == ["default", "security", "climate", "lighting", "quarantine"])
    }

    @Test(arguments: ["garage", "zone-2", "a"])
    func acceptedZoneNames(_ name: String) throws {
        #expect(try Zone(name).name == name)
    }

    @Test(arguments: ["", "Garage", "2nd", "-x", "with space", "a/b", "#", String(repeating: "a", count: 33)])
    func refusedZoneNames(_ name: String) {
        #expect(throws: HearthError.self) { try Zone(name) }
    }

    @Test func emailIsCanonicalized() throws {
        #expect(try EmailAddress("  Ann@Example.ORG ").rawValue == "ann@example.org")
        #expect(try EmailAddress("owner@home.arpa") == EmailAddress("OWNER@home.arpa"))
    }

    @Test(arguments: ["", "ann", "@example.org", "ann@", "a@b@c", "ann smith@example.org", "ann@.org", "ann@example..org",
                      "ann@exa\nmple.org", "ann@example.org\u{7F}", String(repeating: "a", count: 65) + "@example.org"])
    func refusedEmails(_ text: String) {
        #expect(throws: HearthError.self) { try EmailAddress(text) }
    }

    @Test func householdNamesAreTrimmedAndBounded() throws {
        #expect(try Household.validatedName("  Home ") == "Home")
        #expect(throws: HearthError.self) { try Household.validatedName("   ") }
        #expect(throws: HearthError.self) { try Household.validatedName(String(repeating: "x", count: 101)) }
        #expect(throws: HearthError.self) { try Household.validatedName("Home\u{7}") }
    }
}
