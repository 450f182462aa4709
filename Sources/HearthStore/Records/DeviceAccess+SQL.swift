import struct Foundation.Date
import HearthCore

/// Memberships and invitations store a ``DeviceAccess`` in the same seven columns.
extension DeviceAccess {
    static let columns = "zones, devices, starts_at, ends_at, days, hours, time_zone"
    static let placeholders = "?, ?, ?, ?, ?, ?, ?"

    var sqlValues: [SQLValue] {
        [
            zones.map { $0.map(\.name).sorted().joined(separator: " ") }.sqlValue,
            devices.map(\.rawValue).sorted().joined(separator: " ").sqlValue,
            startsAt.map(\.unixMilliseconds).sqlValue,
            endsAt.map(\.unixMilliseconds).sqlValue,
            hours.map(\.daysText).sqlValue,
            hours.map(\.hoursText).sqlValue,
            hours.map(\.timeZone).sqlValue,
        ]
    }

    init(_ row: SQLRow) throws {
        let malformed = HearthError(.storageUnavailable, "a stored access grant is malformed")
        let zones = try row.optionalText("zones").map { text in
            Set(try text.split(separator: " ").map { try Zone(String($0)) })
        }
        let devices = try row.text("devices").split(separator: " ").map { id in
            guard let device = DeviceID(String(id)) else { throw malformed }
            return device
        }
        var hours: WeeklyHours?
        if let days = try row.optionalText("days") {
            guard let text = try row.optionalText("hours"), let zone = try row.optionalText("time_zone") else { throw malformed }
            hours = try WeeklyHours(days: days, hours: text, timeZone: zone)
        }
        self.init(
            zones: zones, devices: Set(devices), startsAt: try row.optionalDate("starts_at"),
            endsAt: try row.optionalDate("ends_at"), hours: hours)
    }
}
