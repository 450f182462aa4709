import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthPairing
import HearthPKI
import HearthHub
import HearthServer
import HearthStore

/// `hearth devices …`: the device lifecycle, directly on the data folder or database. Safe while
/// the hub runs: its TLS listeners see revocations within a second.
struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List and show devices; move, quarantine, release, revoke and decommission them.",
        subcommands: [
            List.self, Show.self, Claim.self, Move.self, Quarantine.self, Release.self, Revoke.self, Decommission.self,
            Transfer.self, AcceptTransfer.self, Behind.self,
        ])

    static let actor = AuditActor.system("cli")

    /// The device argument every command but `list` takes.
    struct Target: ParsableArguments {
        @Argument(help: "The device id.")
        var device: String

        var id: DeviceID {
            get throws {
                guard let id = DeviceID(device) else { throw HearthError(.invalidInput, "the device id is malformed") }
                return id
            }
        }
    }

    static func withLifecycle<Result: Sendable>(
        _ common: CA.Common, _ body: (DeviceLifecycle, HouseholdID) async throws -> Result
    ) async throws -> Result {
        try await common.withHub { hub, household in try await body(hub.lifecycle, household) }
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        Output.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// One line per device: id, state, zone, certificate status and expiry, last seen, name.
    static func line(_ status: DeviceLifecycle.Status) -> String {
        let device = status.device
        let expiry = status.certificate.map { RFC3339.format($0.notAfter) } ?? "-"
        let seen = device.lastSeenAt.map(RFC3339.format) ?? "never"
        return [device.id.rawValue, device.state.rawValue, device.zone.name, status.certificateStatus, expiry, seen, device.name]
            .joined(separator: "  ")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the household's devices: id, state, zone, certificate status and expiry, last seen, name.")

        @Flag(name: .long, help: "Print JSON instead of lines.")
        var json = false

        @OptionGroup var common: CA.Common

        func run() async throws {
            let statuses = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.list(household: household)
            }
            if json { return try printJSON(["devices": statuses.map { DeviceView($0) }]) }
            for status in statuses { Output.print(line(status)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one device and every certificate it had (JSON).")

        @OptionGroup var target: Target
        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try target.id
            let (status, certificates) = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.show(id, household: household)
            }
            try printJSON(DeviceView(status, certificates: certificates))
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Claim a device that paired by attestation and waits in quarantine: it becomes active in a zone.")

        @OptionGroup var target: Target

        @Option(name: .long, help: "The zone it joins.")
        var zone: String

        @Option(name: .long, help: "A name for it.")
        var name: String = "claimed device"

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (id, zone) = (try target.id, try Zone(self.zone))
            let device = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.claim(id, zone: zone, name: name, household: household, actor: Devices.actor)
            }
            Output.print("claimed \(device.id): active in zone \(device.zone)")
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a device to another zone; its next renewal issues from that zone's CA.")

        @OptionGroup var target: Target

        @Option(name: .long, help: "The zone to move to.")
        var zone: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (id, zone) = (try target.id, try Zone(self.zone))
            let device = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.move(id, to: zone, household: household, actor: Devices.actor)
            }
            Output.print("moved \(device.id) to zone \(device.zone)")
        }
    }

    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quarantine a device: it keeps its certificate but may do nothing but read its own record.")

        @OptionGroup var target: Target

        @Option(name: .long, help: "Why (recorded in the audit log).")
        var reason: String = "quarantined by an admin"

        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try target.id
            let device = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.quarantine(id, household: household, reason: reason, actor: Devices.actor)
            }
            Output.print("\(device.id) is \(device.state.rawValue)")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a quarantined device (it becomes active again).")

        @OptionGroup var target: Target
        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try target.id
            let device = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.release(id, household: household, actor: Devices.actor)
            }
            Output.print("\(device.id) is \(device.state.rawValue)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke every valid certificate of a device; it must pair again to get one.")

        @OptionGroup var target: Target

        @Option(name: .long, help: "An RFC 5280 reason, as for `hearth ca revoke`.")
        var reason: String = "unspecified"

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (id, reason) = (try target.id, try RevocationReason.parse(self.reason))
            let revoked = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.revokeCertificates(id, household: household, reason: reason, actor: Devices.actor)
            }
            for record in revoked { Output.print("revoked \(record.serial)  \(record.uri)") }
            if revoked.isEmpty { Output.print("nothing to revoke: the device has no valid certificate") }
        }
    }

    struct Decommission: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a device for good: every certificate revoked, its identity never used again.")

        @OptionGroup var target: Target
        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try target.id
            let (device, revoked) = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.decommission(id, household: household, actor: Devices.actor)
            }
            Output.print("\(device.id) is decommissioned; \(revoked.count) certificate(s) revoked")
        }
    }

    struct Behind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a device reached through a gateway (no certificate of its own); the gateway gets tokens for it by token exchange.")

        @Argument(help: "The gateway's device id (it must hold a valid gateway certificate).")
        var gateway: String

        @Option(name: .long, help: "A name for the device.")
        var name: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            guard let gatewayID = DeviceID(gateway) else { throw HearthError(.invalidInput, "the gateway id is malformed") }
            let device = try await withLifecycle(common) { lifecycle, household in
                try await lifecycle.registerBehindGateway(gatewayID, name: name, household: household, actor: Devices.actor)
            }
            Output.print(device.id.rawValue)
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve giving a device to another household (which must then give the device's setup secret).")

        @OptionGroup var target: Target

        @Option(name: .long, help: "The receiving household's id.")
        var to: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try target.id
            guard let receiver = HouseholdID(to) else { throw HearthError(.invalidInput, "the household id is malformed") }
            let transfer = try await Pair.withPairing(common) { pairing, household in
                try await pairing.approveTransfer(device: id, from: household, to: receiver, actor: Devices.actor)
            }
            Output.print("transfer of \(transfer.deviceID) to \(transfer.toHousehold) approved until \(RFC3339.format(transfer.expiresAt))")
        }
    }

    struct AcceptTransfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept-transfer",
            abstract: "Receive a device given to this household, proving it is here with its setup secret; it then pairs again.")

        @OptionGroup var target: Target

        @Option(name: .long, help: "The setup secret on the device's label.")
        var secret: String

        @Option(name: .long, help: "The zone it joins.")
        var zone: String = "default"

        @Option(name: .long, help: "A name for it.")
        var name: String = "transferred device"

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (id, secret, zone) = (try target.id, try SetupSecret(text: self.secret), try Zone(self.zone))
            let record = try await Pair.withPairing(common) { pairing, household in
                try await pairing.acceptTransfer(
                    device: id, secret: secret, household: household, zone: zone, name: name, actor: Devices.actor)
            }
            Output.print("received: the device pairs again with its setup secret (expected until \(RFC3339.format(record.expiresAt)))")
        }
    }
}
