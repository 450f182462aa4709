import Foundation
import HearthCore
import HearthFirmware
import Logging

/// `hearth device update` (docs/firmware.md): the TUF client workflow against the hub's
/// repository — newer roots, timestamp, snapshot, targets, the maker's role, then the image —
/// each file checked by ``TrustedMetadata`` before it is trusted; the newest release for the
/// device's model that is not below its security version is installed into the state folder
/// and reported to the hub.
extension VirtualDevice {
    public struct Update: Sendable, Hashable {
        public let from: InstalledFirmware
        public let to: InstalledFirmware
        /// False when the device runs the newest release already.
        public let installed: Bool
        /// The hub's verdict after the report (`compliant`, `out-of-posture`, …).
        public let posture: String?
    }

    /// The largest metadata file fetched.
    static let metadataLimit = SignedMetadata.maximumSize

    public func update(version wanted: String? = nil) async throws -> Update {
        let paired = try paired()
        guard let current = try folder.firmware() else {
            throw HearthError(.notInitialized, "\(folder.firmwareURL.path) says nothing of the firmware; set it first (hearth device firmware)")
        }
        var connection = try pinnedConnection(paired)
        connection.responseLimit = Self.metadataLimit
        // The first root: fetched once over TLS pinned to the household's CA, then kept.
        let rootBytes: [UInt8]
        if let kept = folder.trusted("root") {
            rootBytes = kept
        } else {
            rootBytes = try await fetch(connection, "/tuf/metadata/root.json")
        }
        var trusted = try Self.tuf { try TrustedMetadata(root: rootBytes, at: clock.now) }
        trusted.restore(timestamp: folder.trusted("timestamp"), snapshot: folder.trusted("snapshot"))
        // Newer roots, one version at a time, until there is none.
        for _ in 0..<1000 {
            let next = trusted.root.header.version + 1
            let response = try await connection.get("/tuf/metadata/\(next).root.json")
            guard response.status == 200 else { break }
            try Self.tuf { try trusted.updateRoot(response.body) }
        }
        try Self.tuf { try trusted.checkRootNotExpired() }
        let timestamp = try await fetch(connection, "/tuf/metadata/timestamp.json")
        try Self.tuf { try trusted.updateTimestamp(timestamp) }
        let snapshotVersion = trusted.timestamp?.snapshot.version ?? 0
        let snapshot = try await fetch(connection, "/tuf/metadata/\(snapshotVersion).snapshot.json")
        try Self.tuf { try trusted.updateSnapshot(snapshot) }
        let targets = try await fetch(connection, "/tuf/metadata/\(trusted.version(of: "targets") ?? 0).targets.json")
        try Self.tuf { try trusted.updateTargets(targets) }

        // The maker delegated for the device's model.
        let probe = "\(current.model)/-"
        guard let delegation = trusted.delegation(for: probe), let makerVersion = trusted.version(of: delegation.name) else {
            throw HearthError(.notFound, "no maker publishes firmware for model \(current.model) on this hub")
        }
        let maker = try await fetch(connection, "/tuf/metadata/\(makerVersion).\(delegation.name).json")
        try Self.tuf { try trusted.updateDelegated(maker, role: delegation.name) }
        for role in ["root", "timestamp", "snapshot"] { if let bytes = trusted.files[role] { try folder.keep(bytes, as: role) } }

        // The newest release of the model (or the one asked for) that does not go back.
        let releases = (trusted.delegated[delegation.name]?.targets ?? [:]).compactMap { path, target in
            try? FirmwareRelease(path: path, target: target)
        }.filter { $0.model == current.model }
        let candidates = releases.filter { wanted == nil || $0.version == wanted }
        guard let chosen = candidates.max(by: { ($0.securityVersion, $0.path) < ($1.securityVersion, $1.path) }) else {
            throw HearthError(.notFound, wanted.map { "no release \($0) of \(current.model)" } ?? "no release of \(current.model)")
        }
        guard chosen.securityVersion >= current.securityVersion else {
            throw HearthError(
                .forbidden, code: "rollback-refused",
                "\(chosen.version) has security version \(chosen.securityVersion), below the \(current.securityVersion) installed: refused")
        }
        if chosen.sha256 == current.sha256 || (chosen.version == current.version && chosen.securityVersion == current.securityVersion) {
            return Update(from: current, to: current, installed: false, posture: try await report(current, connection))
        }
        var imageConnection = connection
        imageConnection.responseLimit = chosen.length + 1
        let name = String(chosen.path.split(separator: "/").last ?? "")
        let image = try await fetch(imageConnection, "/tuf/targets/\(chosen.model)/\(chosen.sha256).\(name)")
        try Self.tuf { try TrustedMetadata.checkImage(image, chosen.target, path: chosen.path) }
        try FileManager.default.createDirectory(at: folder.imagesURL, withIntermediateDirectories: true)
        try AtomicFile.write(image, to: folder.imagesURL.appendingPathComponent(name))
        let installed = InstalledFirmware(
            model: chosen.model, version: chosen.version, securityVersion: chosen.securityVersion, sha256: chosen.sha256)
        try folder.store(firmware: installed)
        logger.info("installed \(chosen.model) \(chosen.version) (security version \(chosen.securityVersion))")
        return Update(from: current, to: installed, installed: true, posture: try await report(installed, connection))
    }

    /// What a rollout offers this device (`GET /v1/device/update`): the version, and whether it
    /// is a rollback; nil when nothing is offered. Install it with ``update(version:)``.
    public func offeredUpdate() async throws -> (version: String, rollback: Bool)? {
        let response = try await hubConnection().get("/v1/device/update")
        if response.status == 204 { return nil }
        guard response.status == 200 else { throw HubTransportError(.badResponse, "the hub answered \(response.status) for its update offer") }
        struct Offer: Decodable {
            let version: String
            let rollback: Bool
        }
        let offer = try response.decode(Offer.self)
        return (offer.version, offer.rollback)
    }

    /// Tells the hub what the device runs; the hub's verdict.
    public func reportFirmware() async throws -> String? {
        guard let current = try folder.firmware() else { throw HearthError(.notInitialized, "no firmware.json in \(folder.url.path)") }
        return try await report(current, try pinnedConnection(try paired()))
    }

    private func report(_ firmware: InstalledFirmware, _ connection: HubConnection) async throws -> String? {
        let body = Array(try JSONEncoder().encode(try firmware.report))
        let response = try await connection.send("PUT", "/v1/device/firmware", body: body)
        guard response.status == 200 else {
            throw HubTransportError(.badResponse, "the hub refused the firmware report (HTTP \(response.status))")
        }
        struct Verdict: Decodable { let posture: String? }
        return try response.decode(Verdict.self).posture
    }

    private func fetch(_ connection: HubConnection, _ path: String) async throws -> [UInt8] {
        let response = try await connection.get(path)
        guard response.status == 200 else {
            throw HubTransportError(.badResponse, "the hub answered \(response.status) for \(path)")
        }
        return response.body
    }

    static func tuf<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TUFError {
            throw HearthError(.forbidden, code: "update-refused", "the update was refused: \(error.description)")
        }
    }
}
