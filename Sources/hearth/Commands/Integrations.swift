import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthHub
import HearthStore

/// `hearth integrations …`: software such as Home Assistant that uses the household's broker with
/// a hub-issued certificate standing for an owner's grant (docs/home-assistant.md).
struct Integrations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register Home Assistant with a client certificate; list and revoke integrations.",
        subcommands: [Add.self, Renew.self, List.self, Revoke.self])

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case homeAssistant = "home-assistant"
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an integration and write its certificate, key and the hub's root into a folder.",
            discussion: """
                Writes OUT/client.crt (the certificate and its CA), OUT/client.key (when the hub made the key; \
                mode 0600, shown nowhere else) and OUT/ca.crt (the hub's root), and prints the integration's id.
                Scopes: devices:read, telemetry:read:<flow>, devices:control:<zone>, alerts:read; discovery:read is added.
                """)

        @Argument(help: "What it is: home-assistant.")
        var kind: Kind

        @Option(name: .long, help: "The broker scopes it may use, space-separated.")
        var scope: String

        @Option(name: .long, help: "A name the owner recognizes.")
        var name = "Home Assistant"

        @Option(name: .long, help: "The owner granting it, by email (default: the household's only owner).")
        var owner: String?

        @OptionGroup var certificate: CertificateFiles

        @OptionGroup var common: CA.Common

        func run() async throws {
            let csrPEM = try certificate.csrPEM()
            let registered = try await common.withPKI { pki, household in
                let service = IntegrationService(pki: pki)
                return try await service.register(
                    .init(name: name, scope: scope, csrPEM: csrPEM, lifetimeDays: certificate.days),
                    owner: try await service.owner(email: owner, household: household), household: household,
                    actor: Clients.actor)
            }
            try certificate.write(registered)
            Output.print(registered.integration.client)
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a live integration a new certificate (and key) before its certificate ends; its grant lasts as long.",
            discussion: "Writes the same files as add. The old certificate stays valid until its end; revoke it with `hearth ca revoke --serial` to end it sooner.")

        @Argument(help: "The integration's id.")
        var integration: String

        @OptionGroup var certificate: CertificateFiles

        @OptionGroup var common: CA.Common

        func run() async throws {
            let csrPEM = try certificate.csrPEM()
            let renewed = try await common.withPKI { pki, household in
                try await IntegrationService(pki: pki).renew(
                    integration, csrPEM: csrPEM, lifetimeDays: certificate.days, household: household, actor: Clients.actor)
            }
            try certificate.write(renewed)
            Output.print(renewed.integration.certificate.map { "renewed \(integration) until \(RFC3339.format($0.notAfter))" } ?? "renewed \(integration)")
        }
    }

    /// The certificate an integration is given: from a CSR or a key the hub makes, for how long,
    /// and the folder its files go to.
    struct CertificateFiles: ParsableArguments {
        @Option(name: .long, help: "A PKCS#10 CSR for a key the integration made itself (default: the hub makes one).")
        var csr: String?

        @Option(name: .long, help: "The certificate's lifetime in days, 1–365.")
        var days = 90

        @Option(name: .long, help: "The folder to write the certificate, key and root into.")
        var out: String

        func csrPEM() throws -> String? { try csr.map { try String(contentsOfFile: $0, encoding: .utf8) } }

        /// client.crt (the certificate and its CA), client.key (0600, when the hub made it) and ca.crt.
        func write(_ registered: IntegrationService.Registered) throws {
            let folder = URL(fileURLWithPath: out, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try AtomicFile.write(Array(registered.certificateChainPEM.utf8), to: folder.appendingPathComponent("client.crt"), mode: 0o644)
            if let key = registered.privateKeyPEM {
                try AtomicFile.write(Array(key.utf8), to: folder.appendingPathComponent("client.key"), mode: 0o600)
            }
            try AtomicFile.write(Array(registered.rootPEM.utf8), to: folder.appendingPathComponent("ca.crt"), mode: 0o644)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the household's integrations: id, state, scopes, certificate expiry, name.")

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var common: CA.Common

        func run() async throws {
            let integrations = try await common.withPKI { pki, household in
                try await IntegrationService(pki: pki).list(household: household)
            }
            if json { return Output.print(try IntegrationViews.json(integrations)) }
            for integration in integrations {
                Output.print([
                    integration.client, integration.active ? "active" : "revoked", integration.scope,
                    integration.certificate.map { "until " + RFC3339.format($0.notAfter) } ?? "no certificate", integration.name,
                ].joined(separator: "  "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an integration: its grant and certificate; its MQTT session ends within a second.")

        @Argument(help: "The integration's id.")
        var integration: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            try await common.withPKI { pki, household in
                try await IntegrationService(pki: pki).revoke(integration, household: household, actor: Clients.actor)
            }
            Output.print("revoked \(integration)")
        }
    }
}
