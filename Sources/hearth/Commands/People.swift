import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore

/// `hearth people …`: a household's people, directly on the data folder or database (the hub's
/// shell stands in for an owner). Safe while the hub runs: removals and role changes reach its
/// sessions and MQTT connections within a second.
struct People: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, invite and remove a household's people, change roles, reset a password.",
        subcommands: [List.self, Invite.self, Role_.self, Remove.self, ResetPassword.self])

    static let actor = AuditActor.system("cli")

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the household's people (id, role, email, access) and its open invitations.")

        @Flag(name: .long, help: "Print JSON instead of lines.")
        var json = false

        @OptionGroup var common: CA.Common

        func run() async throws {
            let (members, invitations, now) = try await common.withHub { hub, household in
                (try await hub.people.members(household: household), try await hub.people.invitations(household: household),
                 hub.pki.store.clock.now)
            }
            if json {
                return try Devices.printJSON(PeopleListing(
                    people: members.map(PersonView.init), invitations: invitations.map { InvitationView($0, now: now) }))
            }
            for member in members {
                Output.print([member.id.rawValue, member.role.rawValue.padding(6), member.email.rawValue, Self.describe(member.access)]
                    .joined(separator: "  "))
            }
            for stored in invitations where stored.status(at: now) == .open {
                let invitation = stored.invitation
                Output.print("invitation \(invitation.id)  \(invitation.role.rawValue)  \(invitation.email?.rawValue ?? "(any address)")  expires \(RFC3339.format(invitation.expiresAt))")
            }
        }

        static func describe(_ access: DeviceAccess) -> String {
            var parts: [String] = []
            if let zones = access.zones { parts.append("zones " + zones.map(\.name).sorted().joined(separator: ",")) }
            if !access.devices.isEmpty { parts.append("devices " + access.devices.map(\.rawValue).sorted().joined(separator: ",")) }
            if let hours = access.hours { parts.append("\(hours.daysText) \(hours.hoursText) \(hours.timeZone)") }
            if let until = access.endsAt { parts.append("until " + RFC3339.format(until)) }
            return parts.isEmpty ? "everything" : parts.joined(separator: "; ")
        }
    }

    struct PeopleListing: Encodable {
        let people: [PersonView]
        let invitations: [InvitationView]
    }

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite someone into the household and print the one-time invitation code (valid up to 7 days).")

        @Option(name: .long, help: "Only this address may accept (default: whoever holds the code).")
        var email: String?

        @Option(name: .long, help: "owner, member or guest.")
        var role: Role

        @Option(name: .long, help: "Hours the code stays valid (1-168, default 168).")
        var validHours: Int = 168

        @OptionGroup var access: AccessOptions
        @OptionGroup var common: CA.Common

        func run() async throws {
            guard (1...168).contains(validHours) else {
                throw HearthError(.invalidInput, "--valid-hours is 1 to 168 (an invitation expires within 7 days)")
            }
            let request = PeopleService.InvitationRequest(
                email: email, role: role, access: try access.access(for: role), lifetime: TimeInterval(validHours * 3600))
            let (invitation, code) = try await common.withHub { hub, household in
                try await hub.people.invite(request, household: household, actor: People.actor)
            }
            Output.print("""
                Invitation \(invitation.id) for a \(invitation.role.rawValue), valid until \(RFC3339.format(invitation.expiresAt)).
                Code (shown only now; hand it over, it works once): \(code)
                Accept with: POST /v1/invitations/accept {"code", "email", "password"}
                """)
        }
    }

    /// `role` is a word the command names itself, hence the underscore.
    struct Role_: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role",
            abstract: "Give a person of the household another role and access; their sessions and tokens there end.")

        @Argument(help: "The person's id.")
        var person: String

        @Option(name: .long, help: "owner, member or guest.")
        var role: Role

        @OptionGroup var access: AccessOptions
        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try People.id(person)
            let access = try self.access.access(for: role)
            let role = self.role
            let membership = try await common.withHub { hub, household in
                try await hub.people.changeRole(of: id, to: role, access: access, household: household, actor: People.actor)
            }
            Output.print("\(membership.personID) is now \(membership.role.rawValue): \(List.describe(membership.access))")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a person out of the household; their sessions, grants and tokens there end at once.")

        @Argument(help: "The person's id.")
        var person: String

        @OptionGroup var common: CA.Common

        func run() async throws {
            let id = try People.id(person)
            try await common.withHub { hub, household in
                try await hub.people.remove(id, household: household, actor: People.actor)
            }
            Output.print("removed \(id)")
        }
    }

    static func id(_ text: String) throws -> PersonID {
        guard let id = PersonID(text) else { throw HearthError(.invalidInput, "the person id is malformed") }
        return id
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
                    try await AccountAudit.append(
                        .passwordReset, person: credential.person.id, actor: People.actor, reason: "reset by an operator",
                        details: ["sessions_ended": String(ended)], in: session)
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
