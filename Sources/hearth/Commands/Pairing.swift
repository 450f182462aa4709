import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthPairing
import HearthHub
import HearthServer
import HearthStore

/// `hearth pair …`: the owner's side of pairing, on the data folder or database (safe while the
/// hub runs: the hub reads pairing state from the database at every request).
struct Pair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open and close pairing; approve or deny a device showing a code; expect a device by its setup secret.",
        subcommands: [Open.self, Close.self, Approve.self, Deny.self, Expect.self, List.self])

    static let actor = AuditActor.system("cli")

    /// Pairing operations from the CLI, through the same service the API uses.
    static func withPairing<Result: Sendable>(
        _ common: CA.Common, _ body: (PairingService, HouseholdID) async throws -> Result
    ) async throws -> Result {
        try await common.withHub { hub, household in try await body(hub.pairing, household) }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open the household's pairing window.")

        @Option(name: .long, help: "How long it stays open (1 to 60 minutes).")
        var minutes: Int = 10

        @OptionGroup var common: CA.Common

        func run() async throws {
            let closes = try await withPairing(common) { pairing, household in
                try await pairing.openWindow(household: household, minutes: minutes, actor: Pair.actor)
            }
            Output.print("pairing is open until \(RFC3339.format(closes))")
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close the household's pairing window now.")

        @OptionGroup var common: CA.Common

        func run() async throws {
            let closed = try await withPairing(common) { pairing, household in
                try await pairing.closeWindow(household: household, actor: Pair.actor)
            }
            Output.print(closed ? "pairing is closed" : "pairing was not open")
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve the device showing CODE, confirming the verification value it shows.")

        @Argument(help: "The code the device shows (XXXX-XXXX).")
        var code: String

        @Option(name: .long, help: "The verification value the device shows (NNNNN-NNNNN).")
        var verify: String

        @Option(name: .long, help: "The zone the device joins.")
        var zone: String = "default"

        @Option(name: .long, help: "A name for the device.")
        var name: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (code, zone) = (try UserCode(typed: self.code), try Zone(self.zone))
            let issued = try await withPairing(common) { pairing, household in
                try await pairing.approve(
                    userCode: code, verify: verify, household: household, zone: zone, name: name, actor: Pair.actor)
            }
            Output.print("approved: device \(issued.record.deviceID ?? "-") in zone \(zone), certificate \(issued.record.serial)")
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the device showing CODE.")

        @Argument(help: "The code the device shows.")
        var code: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            let code = try UserCode(typed: self.code)
            try await withPairing(common) { pairing, household in
                try await pairing.deny(userCode: code, household: household, actor: Pair.actor)
            }
            Output.print("denied")
        }
    }

    struct Expect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expect a device by the setup secret on its label, or by its attested serial (zero-touch).",
            discussion: """
                With --secret the device pairs itself when it comes online, into --zone (default: default). \
                With --serial an attested device joins --zone at once if one is given (an enrollment rule), \
                or else waits in quarantine until claimed (`hearth devices claim`).
                """)

        @Option(name: .long, help: "The setup secret as printed (groups of letters and digits).")
        var secret: String?

        @Option(name: .long, help: "The serial number the manufacturer's attestation names.")
        var serial: String?

        @Option(name: .long, help: "With --serial: the device's claim code, so the hub proves itself to the device.")
        var claimCode: String?

        @Option(name: .long, help: "The zone the device joins.")
        var zone: String?

        @Option(name: .long, help: "A name for the device.")
        var name: String = "expected device"

        @Option(name: .long, help: "How long the device may take to pair (1 minute to 24 hours).")
        var minutes: Int = 60

        @OptionGroup var common: CA.Common

        func validate() throws {
            guard (secret == nil) != (serial == nil) else { throw ValidationError("give exactly one of --secret or --serial") }
            if claimCode != nil, serial == nil { throw ValidationError("--claim-code goes with --serial") }
        }

        func run() async throws {
            let zone = try self.zone.map(Zone.init)
            if let serial {
                let claim = try claimCode.map(SetupSecret.init(text:))
                let record = try await withPairing(common) { pairing, household in
                    try await pairing.expectAttested(
                        serial: serial, household: household, zone: zone, name: name, minutes: minutes, claimCode: claim,
                        actor: Pair.actor)
                }
                Output.print(
                    "expecting serial \(record.serial) (\(record.name)) \(record.zone.map { "in zone \($0)" } ?? "in quarantine until claimed") until \(RFC3339.format(record.expiresAt))")
                return
            }
            let secret = try SetupSecret(text: self.secret ?? "")
            let record = try await withPairing(common) { pairing, household in
                try await pairing.expect(
                    secret: secret, household: household, zone: zone ?? .default, name: name, minutes: minutes,
                    actor: Pair.actor)
            }
            Output.print("expecting \(record.name) (id \(record.id)) in zone \(record.zone) until \(RFC3339.format(record.expiresAt))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the pairing window, pending code requests and expected devices.")

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (closes, pending, expected) = try await withPairing(common) { pairing, household in
                (try await pairing.windowCloses(household: household), try await pairing.pendingRequests(),
                 try await pairing.expectations(household: household))
            }
            Output.print(closes.map { "window: open until \(RFC3339.format($0))" } ?? "window: closed")
            for request in pending {
                Output.print("request \(request.id)  from \(request.source)  since \(RFC3339.format(request.createdAt))  \(request.deviceNonce == nil ? "waiting for the device" : "ready to approve")")
            }
            for expectation in expected {
                let state = expectation.usedAt.map { "paired as \(expectation.deviceID ?? "-") at \(RFC3339.format($0))" }
                    ?? "expected until \(RFC3339.format(expectation.expiresAt))"
                Output.print("expected \(expectation.id)  \(expectation.name)  zone \(expectation.zone)  \(state)")
            }
        }
    }
}
