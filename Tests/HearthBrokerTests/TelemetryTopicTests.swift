@testable import HearthBroker
import Foundation
import HearthCore
import Testing

/// The broker asks every device PUBLISH which telemetry flow it names; it compares bytes in place.
struct TelemetryTopicTests {
    let device = DeviceID()

    /// The topic with `ID` standing for the device's id.
    func topic(_ pattern: String) -> String { pattern.replacingOccurrences(of: "ID", with: device.rawValue) }

    @Test(arguments: [
        ("devices/ID/telemetry/energy", "energy"),
        ("devices/ID/telemetry/", ""),
        ("devices/ID/telemetry/a/b", "a/b"),
        ("devices/ID/telemetry/énergie", "énergie"),
    ])
    func aDevicesTelemetryTopicNamesItsFlow(topic: String, flow: String) {
        #expect(TelemetryTopic.flow(of: self.topic(topic), device: device) == Substring(flow))
    }

    @Test(arguments: [
        "devices/ID/state", "devices/ID/telemetry", "devices/IDY/telemetry/energy",
        "devices/ID-/telemetry/energy", "devices/other/telemetry/energy", "Devices/ID/telemetry/energy",
        "devices/ID/Telemetry/energy", "", "devices/", "x",
    ])
    func anyOtherTopicNamesNone(topic: String) {
        #expect(TelemetryTopic.flow(of: self.topic(topic), device: device) == nil)
    }

    @Test func aTopicOfAnIdOneCharacterShorterNamesNone() {
        let shorter = "devices/\(device.rawValue.dropLast())/telemetry/energy"
        #expect(TelemetryTopic.flow(of: shorter, device: device) == nil)
    }
}
