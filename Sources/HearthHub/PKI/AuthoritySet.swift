import HearthCore
import HearthPKI
import HearthStore
import NIOSSL
import SwiftASN1
import X509

/// Every CA of the hub as loaded at one revision: the root, and each household's zone
/// intermediates (active ones issue; retired ones still sign CRLs and OCSP answers for what they
/// issued until it expires; revoked ones are distrusted).
public struct AuthoritySet: Sendable {
    public let root: LoadedAuthority
    public let intermediates: [LoadedAuthority]
    public let publicURL: String

    package static func load(_ db: StoreSession, sealer: KeySealer) async throws -> AuthoritySet {
        guard let publicURL = try await db.pki.publicURL() else {
            throw HearthError(.notInitialized, "the hub has no CA yet; start `hearth serve` once to create it")
        }
        var root: LoadedAuthority?
        var intermediates: [LoadedAuthority] = []
        for record in try await db.pki.authorities() {
            let loaded = try LoadedAuthority(record: record, sealer: sealer, publicURL: publicURL)
            if record.role == .root { root = loaded } else { intermediates.append(loaded) }
        }
        guard let root else { throw HearthError(.notInitialized, "the hub's root CA is missing") }
        return AuthoritySet(root: root, intermediates: intermediates, publicURL: publicURL)
    }

    public func authority(_ id: String) -> LoadedAuthority? {
        id == root.id ? root : intermediates.first { $0.id == id }
    }

    /// The intermediate that issues for a household's zone now.
    public func active(household: HouseholdID, zone: Zone) -> LoadedAuthority? {
        intermediates.last {
            $0.record.state == .active && $0.record.householdID == household.rawValue && $0.record.zone == zone.name
        }
    }

    /// Intermediates a client chain may pass through: every one not revoked.
    public var trustedIntermediates: [LoadedAuthority] { intermediates.filter { $0.record.state != .revoked } }

    /// PEM of an issued certificate followed by its issuer: the chain a TLS peer sends.
    public func chainPEM(leaf: [UInt8], issuer: LoadedAuthority) -> String {
        PEMText.certificate(leaf) + issuer.pem
    }

    public var rootPEM: String { root.pem }

    /// The root and every trusted intermediate, root first (`GET /v1/pki/ca`).
    public func bundlePEM() -> String {
        ([root] + trustedIntermediates).map(\.pem).joined()
    }
}
