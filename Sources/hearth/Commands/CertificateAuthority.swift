import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthPKI
import HearthHub
import HearthServer
import HearthStore
import Logging

/// `hearth ca …`: the hub's certificate authority, directly on the data folder or database. Safe
/// while the hub runs: a running hub sees revocations and new CAs within a second.
struct CA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Issue, list and revoke certificates; show, export and rotate the hub's CAs.",
        subcommands: [
            Issue.self, List.self, Revoke.self, Authorities.self, ExportRoot.self, RotateIntermediate.self,
            RotateKEK.self,
        ])

    /// Options every `ca` command shares: where the hub's data is, and which household.
    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        @Option(name: .long, help: "The household (default: the only one).")
        var household: String?

        /// The hub's administration services (see ``HubAdministration``) and the household to act on.
        func withHub<Result: Sendable>(
            _ body: (HubAdministration, HouseholdID) async throws -> Result
        ) async throws -> Result {
            try await store.withAdministration(log: log) { hub, db in try await body(hub, try await resolveHousehold(db)) }
        }

        func withPKI<Result: Sendable>(_ body: (HubPKI, HouseholdID) async throws -> Result) async throws -> Result {
            try await withHub { hub, household in try await body(hub.pki, household) }
        }

        func resolveHousehold(_ db: Store) async throws -> HouseholdID {
            let households = try await db.read { session in try await session.households.all() }
            if let household {
                guard let id = HouseholdID(household), households.contains(where: { $0.id == id }) else {
                    throw HearthError(.notFound, "no household \(household)")
                }
                return id
            }
            guard households.count == 1, let only = households.first else {
                throw HearthError(.invalidInput, "this hub has \(households.count) households; choose one with --household")
            }
            return only.id
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a certificate from a PKCS#10 CSR and print its PEM chain (certificate, then its CA).")

        @Option(name: .long, help: "The CSR file (PEM).")
        var csr: String

        @Option(name: .long, help: "device, gateway or server.")
        var profile: String

        @Option(name: .long, help: "An existing device to certify (default: a new identity).")
        var device: String?

        @Option(name: .long, help: "The zone whose CA issues (default: the device's zone, else default).")
        var zone: String?

        @Option(name: .long, help: "A name for a new identity.")
        var name: String?

        @Option(name: .customLong("dns"), help: "A DNS name for gateway and server certificates; repeatable.")
        var dnsNames: [String] = []

        @Option(name: .long, help: "Lifetime in days (default from the profile: device 1, gateway 7, server 30).")
        var days: Int?

        @OptionGroup var common: Common

        func run() async throws {
            let pem: String
            do {
                let url = URL(fileURLWithPath: csr)
                let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
                guard let size = attributes[.size] as? NSNumber, size.intValue <= 2 * CertificateRequest.maximumBytes else {
                    throw HearthError(.invalidInput, "the CSR file is larger than \(2 * CertificateRequest.maximumBytes) bytes")
                }
                pem = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            } catch let error as HearthError {
                throw error
            } catch {
                throw HearthError(.invalidInput, "cannot read the CSR file \(csr)")
            }
            let input = CertificateOrderInput(
                csrPEM: pem, profile: profile, deviceID: device, name: name, zone: zone, dnsNames: dnsNames,
                lifetimeSeconds: days.map { Int64($0) * 86_400 })
            let issued = try await common.withPKI { pki, household in
                try await pki.issue(try input.order(household: household), actor: .system("cli"))
            }
            Output.print(issued.chainPEM.trimmingCharacters(in: .newlines))
            CA.printError(
                "issued serial \(issued.record.serial) for \(issued.record.uri), valid until \(RFC3339.format(issued.record.notAfter))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issued certificates, soonest expiry first.")

        @Option(name: .long, help: "valid or revoked.")
        var status: String?

        @Option(name: .long, help: "Only this device's certificates.")
        var device: String?

        @Option(name: .long, help: "Only certificates of this CA (id from `hearth ca authorities`).")
        var issuer: String?

        @Option(name: .customLong("expiring-within-days"), help: "Only unexpired certificates that expire within N days.")
        var expiringWithinDays: Int?

        @Flag(name: .long, help: "One JSON object per line.")
        var json = false

        @OptionGroup var common: Common

        func run() async throws {
            var query = CertificateQuery()
            if let status {
                guard let value = CertificateRecord.Status(rawValue: status) else {
                    throw HearthError(.invalidInput, "--status is valid or revoked")
                }
                query.status = value
            }
            query.deviceID = device
            query.issuerID = issuer
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // Every certificate, streamed page by page as it is read: no cap, however many there are.
            try await common.withPKI { pki, household in
                var search = query
                search.householdID = household.rawValue
                if let days = expiringWithinDays {
                    try search.expiring(within: TimeInterval(days) * 86_400, at: pki.store.clock.now)
                }
                for try await record in pki.allCertificates(search) {
                    if json {
                        Output.print(String(decoding: try encoder.encode(CertificateView(record)), as: UTF8.self))
                    } else {
                        Output.print(
                            "\(record.serial)  \(record.status.rawValue.padding(7))  \(record.profile.padding(7))  \(record.zone.padding(10))  \(RFC3339.format(record.notAfter))  \(record.uri)")
                    }
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke by serial, by device, or every certificate of a compromised CA (which is revoked too and replaced).")

        @Option(name: .long, help: "A certificate's serial (hex; colons allowed).")
        var serial: String?

        @Option(name: .long, help: "Every valid certificate of this device.")
        var device: String?

        @Option(name: .long, help: "An intermediate CA's id: revokes it and everything it issued.")
        var issuer: String?

        @Option(
            name: .long,
            help: "unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation, privilege-withdrawn or aa-compromise.")
        var reason: String = "unspecified"

        @OptionGroup var common: Common

        func validate() throws {
            guard [serial, device, issuer].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --serial, --device or --issuer")
            }
        }

        func run() async throws {
            let reason = try RevocationReason.parse(self.reason)
            let target: HubPKI.RevocationTarget
            if let serial {
                guard let bytes = Hex.decode(serial), bytes.count <= 20 else {
                    throw HearthError(.invalidInput, "the serial is not hexadecimal")
                }
                target = .serial(bytes.hexString)
            } else if let device {
                guard let id = DeviceID(device) else { throw HearthError(.invalidInput, "the device id is malformed") }
                target = .device(id)
            } else {
                target = .issuer(issuer ?? "")
            }
            let revoked = try await common.withPKI { pki, household in
                try await pki.revoke(target, reason: reason, household: household, actor: .system("cli"))
            }
            for record in revoked { Output.print("revoked \(record.serial)  \(record.uri)") }
            if revoked.isEmpty { Output.print("nothing to revoke: no valid certificate matched") }
        }
    }

    struct Authorities: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the hub's CAs: the root and each zone's intermediates.")

        @OptionGroup var common: Common

        func run() async throws {
            let authorities = try await common.withPKI { pki, household in
                [pki.authorities.root] + pki.authorities.intermediates.filter { $0.record.householdID == household.rawValue }
            }
            for authority in authorities {
                Output.print(
                    "\(authority.id)  \(authority.record.role.rawValue.padding(12))  \((authority.record.zone ?? "-").padding(10))  \(authority.record.state.rawValue.padding(7))  until \(RFC3339.format(authority.record.notAfter))")
            }
        }
    }

    struct ExportRoot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-root", abstract: "Print the root CA certificate (PEM) for clients to trust.")

        @OptionGroup var common: Common

        func run() async throws {
            let pem = try await common.withPKI { pki, _ in pki.authorities.rootPEM }
            Output.print(pem.trimmingCharacters(in: .newlines))
        }
    }

    struct RotateIntermediate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-intermediate",
            abstract: "Give a zone a new CA key; the old CA stops issuing but what it issued stays valid until it expires.")

        @Argument(help: "The zone.")
        var zone: String

        @OptionGroup var common: Common

        func run() async throws {
            let zone = try Zone(zone)
            let record = try await common.withPKI { pki, household in
                try await pki.rotateIntermediate(household: household, zone: zone, actor: .system("cli"))
            }
            Output.print("zone \(zone) now issues from CA \(record.id)")
        }
    }

    struct RotateKEK: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-kek",
            abstract: "Re-seal every private key under a new key-encryption key.",
            discussion: """
                With the data folder's kek file, a new KEK is written to kek.next, every key is re-sealed \
                in one transaction, and kek.next replaces kek; an interrupted run is finished by running \
                it again. With HEARTH_KEK, set HEARTH_NEW_KEK to the new KEK (base64 of 32 bytes) and \
                afterwards make it the HEARTH_KEK of every hub process.
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            let logger = try log.makeLogger()
            let old = try store.sealer(create: false)
            let usesEnvironment = Environment.value("HEARTH_KEK") != nil
            let next: [UInt8]
            if usesEnvironment {
                guard let key = try StoreOptions.environmentKEK("HEARTH_NEW_KEK") else {
                    throw HearthError(
                        .configuration, "HEARTH_KEK is set, so give the new KEK in HEARTH_NEW_KEK (base64 of 32 bytes)")
                }
                next = key
            } else {
                next = try store.dataFolder.makeNextKeyEncryptionKey()
            }
            let outcome = try await store.withStore(logger: logger) { db in
                try await KEKRotation.reseal(
                    store: db, from: old, to: try KeySealer(kek: next), actor: .system("cli"))
            }
            let inToken = outcome.inToken > 0 ? " (\(outcome.inToken) signing keys live in the PKCS#11 token: nothing to re-seal)" : ""
            if usesEnvironment {
                Output.print(
                    "re-sealed \(outcome.resealed) keys\(inToken); now set HEARTH_KEK to the value of HEARTH_NEW_KEK for every hub process")
            } else {
                try store.dataFolder.installNextKeyEncryptionKey()
                Output.print("re-sealed \(outcome.resealed) keys under a new KEK in \(store.dataFolder.kekPath)\(inToken)")
            }
        }
    }
}
