import Foundation
import HearthCore
import HearthHub
import HearthTesting
import Testing

/// A person's apps lose the broker the moment their place in the household changes: removed, a
/// new role, a guest period that closes, a household suspended — each cuts the live MQTT session
/// through the same live cut-off as revocations.
@Suite struct PeopleMessagingTests {
    typealias Kit = PeopleTestKit

    /// The access watch's poll is an hour here: what cuts the sessions off is the notification
    /// sent at the change's commit (PostgreSQL's NOTIFY; on SQLite, the hub's own process's).
    @Test(arguments: TestEngine.allCases)
    func peoplesAppsAreCutOffWithinASecond(engine: TestEngine) async throws {
        try await MessagingFixture.with(engine: engine, configure: { $0.revocationPollInterval = .seconds(3600) }) { f in
            let hub = f.hub
            let bulb = try await f.device("bulb", zone: "lighting")
            let leaving = try await hub.addPerson(household: hub.householdID, email: "leaving@example.org", role: .member, password: Kit.password)
            let changing = try await hub.addPerson(household: hub.householdID, email: "changing@example.org", role: .member, password: Kit.password)
            // A guest whose period ends in five minutes; later the hub's clock is moved to fifteen
            // seconds before that, and the guest's app connects (however long the set-up took).
            // Well before the app's token expires (ten minutes, in whole seconds): a session ends
            // at whichever comes first, and this measures the period's end.
            let guestEnds = hub.clock.now.addingTimeInterval(300)
            try await hub.addPerson(
                household: hub.householdID, email: "guest@example.org", role: .guest,
                access: DeviceAccess(zones: [.lighting], devices: [], startsAt: nil, endsAt: guestEnds, hours: nil),
                password: Kit.password)
            var clients: [String: [String: String]] = [:]
            clients["guest"] = ["token": try await f.token("devices:read", as: ("guest@example.org", Kit.password))]
            let neighbours = try await f.secondHousehold()
            clients["leaving"] = ["token": try await f.token("devices:read", as: ("leaving@example.org", Kit.password))]
            clients["changing"] = ["token": try await f.token("devices:read", as: ("changing@example.org", Kit.password))]
            clients["neighbour"] = [
                "token": try await f.token("devices:read", app: neighbours.app, as: (neighbours.email, neighbours.password)),
            ]
            func waiter(_ name: String, subscribe: String) throws -> Paho.Waiter {
                var config = f.pahoConfig(clients)
                config["client"] = name
                config["protocol"] = 5
                config["subscribe"] = subscribe
                return try Paho.wait(config, folder: f.folder, name: name)
            }
            let sessions = [
                try waiter("leaving", subscribe: "devices/+/state"), try waiter("changing", subscribe: "devices/+/state"),
                try waiter("neighbour", subscribe: "devices/+/state"),
            ]
            for session in sessions { try await session.connected() }

            let owner = f.owner
            let hubOperator = try await Kit.session(hub, hub.ownerEmail, hub.ownerPassword, ["operator": true])
            let neighbourHousehold = try #require(
                (try await Kit.call(hub, "GET", "/v1/me", neighbours.owner).json()["household"] as? [String: Any])?["id"] as? String)
            let actions: [(String, () async throws -> Int)] = [
                ("removed (DELETE /v1/people/…)", { try await Kit.call(hub, "DELETE", "/v1/people/\(leaving.id)", owner).status }),
                ("role changed (POST /v1/people/…/role)", {
                    try await Kit.call(hub, "POST", "/v1/people/\(changing.id)/role", owner, ["role": "member", "access": ["zones": ["climate"]]]).status
                }),
                ("household suspended (POST /v1/households/…/suspend)", {
                    try await Kit.call(hub, "POST", "/v1/households/\(neighbourHousehold)/suspend", hubOperator, [:]).status
                }),
            ]
            for ((what, action), session) in zip(actions, sessions) {
                let status = try await action()
                let returnedAt = Date().timeIntervalSince1970
                #expect((200..<300).contains(status), "\(what): HTTP \(status)")
                let cut = try #require(try await session.cutOff(), "the app of a person \(what) was not cut off")
                let delay = cut.time - returnedAt
                print("MQTT cut-off (people, \(engine)): \(what) disconnected \(String(format: "%.3f", delay)) s after the response")
                #expect(delay < 1.0, "\(what): cut off \(delay) s after the response")
            }
            let ahead = guestEnds.timeIntervalSince(hub.clock.now) - 15
            hub.clock.advance(by: ahead)
            // A guest limited to a zone names the devices it reads: a wildcard would reach others.
            let guest = try waiter("guest", subscribe: "devices/\(bulb.id)/state")
            try await guest.connected()
            let ended = try #require(try await guest.cutOff(timeout: .seconds(30)), "the guest's session outlived the period")
            // The end in real time: the hub's clock runs `ahead` of it now.
            let lateness = ended.time - (guestEnds.timeIntervalSince1970 - ahead)
            print("MQTT cut-off (people, \(engine)): a guest's session ended \(String(format: "%.3f", lateness)) s after the period")
            // The broker ends the session when the window closes (the close was known at CONNECT);
            // the sweep that ends the guest's place runs every half second as well.
            #expect(lateness > -0.5 && lateness < 1.0, "the guest was cut off \(lateness) s after the end")
            // And a removed person's token no longer connects.
            let again = try await f.mosquitto(token: clients["leaving"]!["token"]!).publish("devices/\(bulb.id)/cmd/power", "x")
            #expect(again.connack == 134 || again.connack == 135, "\(again)")
        }
    }
}
