import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

/// `hearth clients …`: OAuth clients and the grants they hold, on the data folder or database.
struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register, list and revoke OAuth clients; list and revoke the grants they hold; rotate the token-signing key.",
        subcommands: [Add.self, List.self, Revoke.self, Grants.self, RevokeGrant.self, RotateSigningKey.self])

    static let actor = AuditActor.system("cli")

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client and print its client_id.",
            discussion: """
                Public apps: --auth none --redirect-uri URI (PKCE is required at every authorization).
                Signed assertions: --auth private_key_jwt --jwks FILE (ES256 public keys).
                Devices and gateways: --auth tls_client_auth --device ID (its hub-issued certificate).
                """)

        @Option(name: .long, help: "A name the owner recognizes on the consent page.")
        var name: String

        @Option(name: .long, help: "none, private_key_jwt or tls_client_auth.")
        var auth: String = "none"

        @Option(name: .customLong("redirect-uri"), help: "An exact redirect URI (repeat for several).")
        var redirectURIs: [String] = []

        @Option(name: .customLong("grant-type"), help: "A grant type it may use (repeat; default by --auth).")
        var grantTypes: [String] = []

        @Option(name: .long, help: "The most its tokens may carry, space-separated (for example 'devices:read offline_access').")
        var scope: String

        @Option(name: .long, help: "For private_key_jwt: a JWK Set file with its public keys.")
        var jwks: String?

        @Option(name: .long, help: "For tls_client_auth: the device or gateway whose certificate authenticates.")
        var device: String?

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var common: CA.Common

        func run() async throws {
            let jwksJSON = try jwks.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let client = try await common.withPKI { pki, household in
                try await OAuthAdministration.registerClient(
                    pki: pki, household: household, name: name, authMethod: auth, redirectURIs: redirectURIs,
                    grantTypes: grantTypes.isEmpty ? nil : grantTypes, scope: scope, jwksJSON: jwksJSON, deviceID: device,
                    actor: Clients.actor)
            }
            Output.print(json ? try OAuthAdministration.json(clients: [client]) : client.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the household's clients.")

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var common: CA.Common

        func run() async throws {
            let clients = try await common.withPKI { pki, household in
                try await pki.store.read { db in try await db.oauthClients.all(in: household) }
            }
            if json { return Output.print(try OAuthAdministration.json(clients: clients)) }
            for client in clients {
                Output.print([
                    client.id, client.revokedAt == nil ? "active" : "revoked", client.authMethod.rawValue,
                    client.grantTypes.joined(separator: ","), client.scope, client.name,
                ].joined(separator: "  "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a client with every grant and token it holds.")

        @Argument(help: "The client_id.")
        var client: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            try await common.withPKI { pki, household in
                try await OAuthAdministration.revokeClient(client, pki: pki, household: household, actor: Clients.actor)
            }
            Output.print("revoked \(client)")
        }
    }

    struct Grants: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List live grants: id, client, subject, scopes, last use.")

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (grants, clients) = try await common.withPKI { pki, household in
                try await pki.store.read { db in
                    (try await db.oauthGrants.all(in: household), try await db.oauthClients.all(in: household))
                }
            }
            if json { return Output.print(try OAuthAdministration.json(grants: grants, clients: clients)) }
            let names = Dictionary(clients.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            for grant in grants {
                Output.print([
                    grant.id, names[grant.clientID] ?? grant.clientID, grant.subject, grant.scope,
                    "last used " + RFC3339.format(grant.lastUsedAt),
                ].joined(separator: "  "))
            }
        }
    }

    struct RevokeGrant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a grant with every token issued under it.")

        @Argument(help: "The grant id.")
        var grant: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            try await common.withPKI { pki, household in
                try await OAuthAdministration.revokeGrant(grant, pki: pki, household: household, actor: Clients.actor)
            }
            Output.print("revoked grant \(grant)")
        }
    }

    struct RotateSigningKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new token-signing key; the old one keeps verifying until its last token expires.")

        @OptionGroup var common: CA.Common

        func run() async throws {
            let kid = try await common.withPKI { pki, _ in
                try await OAuthAdministration.rotateSigningKey(pki: pki, actor: Clients.actor)
            }
            Output.print("signing with key \(kid)")
        }
    }
}
