import Foundation
import HearthCore

/// What the detectors have learned of normal: each device's message rate and each OAuth client's
/// tokens a minute. Stored by the hub every minute and given back at start, so a restart does not
/// send every device back to the bare floor of the storm detector.
public struct LearnedBaselines: Sendable, Hashable {
    /// Messages per second, per device.
    public var devices: [DeviceID: Double] = [:]
    /// Access tokens per minute, per OAuth client.
    public var clients: [String: Double] = [:]

    public init(devices: [DeviceID: Double] = [:], clients: [String: Double] = [:]) {
        self.devices = devices
        self.clients = clients
    }
}
