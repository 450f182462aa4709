import ArgumentParser
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

struct People: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List people or reset a password, directly on the data folder or database.",
        subcommands: [List.self, ResetPassword.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every person with role and household.")

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            let logger = try log.makeLogger()
            let people = try await store.withStore(logger: logger) { db in
                try await db.read { session in try await session.people.all() }
            }
            for person in people {
                Output.print("\(person.id)  \(person.role.rawValue.padding(6))  \(person.householdID)  \(person.email)")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a person a new one-time password (printed once) and end their sessions.")

        @Argument(help: "The person's email.")
        var email: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var log: LogOptions

        func run() async throws {
            let logger = try log.makeLogger()
            let address = try EmailAddress(email)
            let password = GeneratedPassword.make()
            let hash = try await PasswordHasher.withHasher(parameters: .default, threads: 1) { hasher in
                try await hasher.hash(password)
            }
            try await store.withStore(logger: logger) { db in
                try await db.write { session in
                    guard let credential = try await session.people.credential(email: address) else {
                        throw HearthError(.notFound, "no person signs in as \(address)")
                    }
                    try await session.people.setPassword(credential.person.id, hash: hash, mustChange: true)
                    let ended = try await session.sessions.deleteAll(of: credential.person.id)
                    try await session.audit.append(AuditEvent(
                        .passwordReset, actor: .system("cli"), subject: "person:\(credential.person.id)",
                        household: credential.person.householdID, reason: "reset by an operator",
                        details: ["sessions_ended": String(ended)]))
                }
            }
            Output.print("New one-time password for \(address): \(password)")
            Output.print("It is shown only now; the person should change it after signing in.")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
