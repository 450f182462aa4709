import Crypto
import Foundation
import HearthCore
import HearthDevice
import Testing
import X509

/// When a device renews: from two thirds into its certificate's life (the hub's window opens
/// there), spread over the next twelfth by the serial, so a fleet issued together does not renew together.
struct RenewalSpreadTests {
    static func certificate(serial: Certificate.SerialNumber, notBefore: Date, lifetime: TimeInterval) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("device") }
        return try Certificate(
            version: .v3, serialNumber: serial, publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notBefore.addingTimeInterval(lifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
            issuerPrivateKey: .init(key))
    }

    @Test func aFleetIssuedInOneMinuteRenewsSpreadOverATwelfthOfTheLifetime() throws {
        let issued = Date(timeIntervalSince1970: 1_796_000_000)
        let lifetime: TimeInterval = 24 * 3600
        var buckets = [Int](repeating: 0, count: 12)
        for index in 0..<1200 {
            let certificate = try Self.certificate(
                serial: Certificate.SerialNumber(), notBefore: issued.addingTimeInterval(Double(index % 60)), lifetime: lifetime)
            let at = DeviceCertificateInfo.renewalTime(of: certificate)
            // From the issue time: the hub back-dates notBefore by five minutes.
            let issuedAt = certificate.notValidBefore.addingTimeInterval(CertificateValidity.backdating)
            // (Less the second the SDK adds for whole-second certificate times.)
            let share = at.addingTimeInterval(-1).timeIntervalSince(issuedAt) / certificate.notValidAfter.timeIntervalSince(issuedAt)
            #expect(share >= 2.0 / 3 && share < 2.0 / 3 + 1.0 / 12, "the window is open and expiry is far")
            #expect(DeviceCertificateInfo.renewalTime(of: certificate) == at, "the same time on every call (restarts)")
            buckets[min(11, Int((share - 2.0 / 3) * 12 * 12))] += 1
        }
        // 1,200 renewals over twelve ten-minute slices of the two hours: about 100 in each, none empty or crowded.
        #expect(buckets.allSatisfy { (50...150).contains($0) }, "\(buckets)")
    }

    /// A compressed lifetime (the simulator's): a certificate of one minute, back-dated five, is
    /// renewed 41–46 s after it was issued (a second later than the window: whole-second certificate times) — not at once, as two thirds of the back-dated span would say.
    @Test func aShortCertificateIsRenewedTwoThirdsIntoItsIssuedLife() throws {
        let issued = Date(timeIntervalSince1970: 1_796_000_000)
        for _ in 0..<50 {
            let certificate = try Self.certificate(
                serial: Certificate.SerialNumber(), notBefore: issued.addingTimeInterval(-CertificateValidity.backdating),
                lifetime: CertificateValidity.backdating + 60)
            let after = DeviceCertificateInfo.renewalTime(of: certificate).timeIntervalSince(issued)
            #expect(after >= 41 && after < 46, "\(after)")
        }
    }
}
