import Foundation
import HearthCore
import Testing

/// The renewal window counts from the issue time: with a lifetime of minutes the five-minute
/// back-dating of `notBefore` would otherwise open it before the certificate was even issued.
@Suite struct CertificateValidityTests {
    @Test func theWindowOpensTwoThirdsFromTheIssueTime() {
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        let notBefore = issued.addingTimeInterval(-CertificateValidity.backdating)
        #expect(CertificateValidity.issuedAt(notBefore: notBefore) == issued)
        let minute = CertificateValidity.renewalOpens(issuedAt: issued, notAfter: issued.addingTimeInterval(60))
        #expect(minute == issued.addingTimeInterval(40))
        let day = CertificateValidity.renewalOpens(issuedAt: issued, notAfter: issued.addingTimeInterval(86_400))
        #expect(day == issued.addingTimeInterval(57_600))
    }

    @Test func thePolicyAndTheFactsAgree() {
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        let facts = CertificateFacts(
            serial: "01", notBefore: issued.addingTimeInterval(-300), notAfter: issued.addingTimeInterval(90), revoked: false,
            rotationDue: false, renewed: false, issuedAt: issued)
        #expect(facts.renewalOpensAt == issued.addingTimeInterval(60), "not 20 s before the issue, as from notBefore")
    }
}
