import Foundation
import HearthCore
import HearthDetection
import Testing

/// The signals handed from node to node through the database (docs/scale-out.md) come back as
/// they went; the ones judged where they arise are never handed over.
@Suite struct HubWideSignalTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000.125)

    @Test func hubWideSignalsSurviveTheirEncodedForm() throws {
        let device = DeviceID()
        let household = HouseholdID()
        let signals: [Signal] = [
            .authenticationFailed(.pairingCode, source: "192.0.2.7", target: "pairing:\(household)", at: Self.at),
            .authenticationFailed(.token, source: nil, target: nil, at: Self.at),
            .handshakeRefused(.clientCertificate, source: "2001:db8::7", at: Self.at),
            .unknownHost("rebind.example", source: "192.0.2.8", at: Self.at),
            .tokenIssued(client: "app-1", household: household, at: Self.at),
            .deviceConnected(device, address: "192.0.2.9", at: Self.at),
            .renewed(device, household: household, source: "192.0.2.10", at: Self.at),
            .firmwareDowngraded(FirmwareChange(
                device: device, household: household, model: "lamp-2", from: ("2.1.0", 7), to: ("1.9.0", 5), source: "report", at: Self.at)),
            .firmwareImageMismatch(FirmwareImageMismatch(
                device: device, household: household, model: "lamp-2", version: "2.1.0", reported: String(repeating: "ab", count: 32),
                released: String(repeating: "cd", count: 32), source: "renewal", at: Self.at)),
        ]
        for signal in signals {
            let wide = try #require(HubWideSignal(signal), "\(signal.name) is hub-wide")
            let decoded = try JSONDecoder().decode(HubWideSignal.self, from: try JSONEncoder().encode(wide))
            #expect(decoded == wide)
            #expect(decoded.signal == signal)
        }
    }

    @Test func signalsOfAHouseholdsTrafficStayWhereTheyArise() {
        let device = DeviceID()
        let household = HouseholdID()
        let local: [Signal] = [
            .traffic(TrafficSample(device: device, household: household, zone: "lighting", messages: 5, bytes: 50, interval: 0.25, at: Self.at)),
            .denials(.device(device), household: household, zone: nil, count: 3, sample: "devices/x/cmd", at: Self.at),
            .credentialInTwoPlaces(
                .device(device), household: household, credential: .certificate(serial: "0a"), addresses: ["a", "b"], zone: nil, at: Self.at),
            .certificateAging(device, household: household, serial: "0b", notAfter: Self.at, lifetimeUsed: 0.95, at: Self.at),
        ]
        for signal in local { #expect(HubWideSignal(signal) == nil, "\(signal.name)") }
    }
}
