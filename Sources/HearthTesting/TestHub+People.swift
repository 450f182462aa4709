import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore

extension TestHub {
    /// A person written straight through the store into `household` as `role` (with `access`,
    /// for members and guests), who can then sign in with `password`. An account that exists
    /// already (by email) gets one more household instead.
    @discardableResult
    public func addPerson(
        household: HouseholdID, email: String, role: Role, access: DeviceAccess = .everything, password: String
    ) async throws -> Person {
        let hash = try await PasswordHasher.withHasher(parameters: TestHub.fastHashing, threads: 1) {
            try await $0.hash(password)
        }
        let address = try EmailAddress(email)
        let now = clock.now
        return try await store.write { db in
            let person: Person
            if let existing = try await db.people.find(email: address) {
                person = existing
            } else {
                person = Person(email: address, mustChangePassword: false, createdAt: now)
                try await db.people.insert(person, passwordHash: hash)
            }
            try await db.memberships.insert(
                Membership(personID: person.id, householdID: household, role: role, access: access, createdAt: now))
            return person
        }
    }

    /// A second household, made the way a hub operator makes one (zone CAs and all), with an
    /// owner who can sign in with `password`.
    public func addHousehold(name: String, ownerEmail: String, password: String) async throws -> (Household, Person) {
        let created = try await HouseholdAdministration(pki: pki).create(name: name, ownerEmail: nil, actor: .system("test"))
        let owner = try await addPerson(household: created.household.id, email: ownerEmail, role: .owner, password: password)
        return (created.household, owner)
    }
}
