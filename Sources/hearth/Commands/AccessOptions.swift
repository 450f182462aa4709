import ArgumentParser
import HearthCore
import HearthHub

/// The options that say which devices a member or guest may use and when, shared by
/// `hearth people invite` and `hearth people role`.
struct AccessOptions: ParsableArguments {
    @Option(name: .long, help: "A zone the person may use (repeat for several; default: every zone).")
    var zone: [String] = []

    @Option(name: .long, help: "A device the person may use (guests; repeat for several).")
    var device: [String] = []

    @Option(name: .long, help: "When a guest's access starts (RFC 3339; default: now).")
    var from: String?

    @Option(name: .long, help: "When a guest's access ends (RFC 3339), required for a guest.")
    var until: String?

    @Option(name: .long, help: "Days of a guest's weekly hours, such as mon-fri or sat,sun.")
    var days: String?

    @Option(name: .long, help: "A guest's weekly hours, such as 09:00-12:00.")
    var hours: String?

    @Option(name: .long, help: "The time zone of the weekly hours (IANA name, default UTC).")
    var timeZone: String?

    func access(for role: Role) throws -> DeviceAccess {
        guard role != .owner else { return .everything }
        return try AccessView(
            zones: zone.isEmpty ? nil : zone, devices: device, startsAt: from, until: until, days: days, hours: hours,
            timeZone: timeZone
        ).access()
    }
}

extension Role: ExpressibleByArgument {}
