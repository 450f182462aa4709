import struct Foundation.Date
import HearthCore
import HearthPKI
import HearthStore
import NIOSSL
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Every CA of the hub as loaded at one revision: the root, and each household's zone
/// intermediates (active ones issue; retired ones still sign CRLs and OCSP answers for what they
/// issued until it expires; revoked ones are distrusted).
public struct AuthoritySet: Sendable {
    public let root: LoadedAuthority
    public let intermediates: [LoadedAuthority]
    public let publicURL: String
    /// The trusted intermediates whose signature by the root has been checked: client chains are
    /// verified from these (leaf → zone CA), so a handshake does not check the root's P-384
    /// signature on the same zone CA again (about 31 % of a full handshake's CPU, BENCHMARKS.md).
    /// Rebuilt with every reload, so a rotated or revoked CA leaves it at once.
    package let clientChainAnchors: CertificateStore
    private let rootSigned: Set<Certificate>

    private init(root: LoadedAuthority, intermediates: [LoadedAuthority], publicURL: String, rootSigned: Set<Certificate>) {
        self.root = root
        self.intermediates = intermediates
        self.publicURL = publicURL
        self.rootSigned = rootSigned
        clientChainAnchors = CertificateStore(rootSigned)
    }

    /// The candidates that chain to `root` under RFC 5280 (its signature, validity, basic and name
    /// constraints) at `now`; those in `checked` (already checked under the same root) are kept as
    /// they are.
    package static func rootSigned(
        _ candidates: [Certificate], root: Certificate, checked: Set<Certificate>, now: Date
    ) async -> Set<Certificate> {
        var signed = Set<Certificate>()
        for candidate in candidates {
            if checked.contains(candidate) {
                signed.insert(candidate)
                continue
            }
            var verifier = Verifier(rootCertificates: CertificateStore([root])) { RFC5280Policy(fixedExpiryValidationTime: now) }
            if case .validCertificate = await verifier.validate(leaf: candidate, intermediates: CertificateStore()) {
                signed.insert(candidate)
            }
        }
        return signed
    }

    package static func load(_ db: StoreSession, sealer: KeySealer, previous: AuthoritySet? = nil) async throws -> AuthoritySet {
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
        // A reload (every revocation is one) checks only the intermediates it has not seen under this root.
        let checked = previous.map { $0.root.certificate == root.certificate ? $0.rootSigned : [] } ?? []
        let rootSigned = await Self.rootSigned(
            intermediates.filter { $0.record.state != .revoked }.map(\.certificate), root: root.certificate, checked: checked,
            now: db.clock.now)
        return AuthoritySet(root: root, intermediates: intermediates, publicURL: publicURL, rootSigned: rootSigned)
    }

    /// True when `certificate` is one of ``clientChainAnchors``.
    package func isClientChainAnchor(_ certificate: Certificate) -> Bool { rootSigned.contains(certificate) }

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
