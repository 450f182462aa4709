import struct Foundation.Date
import HearthCore

public struct DeviceRecords: Sendable {
    let db: any SQLExecutor

    static let columns = "id, household_id, zone, name, state, created_at, updated_at, last_seen_at"

    public func insert(_ device: Device) async throws {
        try await insert([device])
    }

    /// Inserts devices, several per statement.
    public func insert(_ devices: [Device]) async throws {
        do {
            for chunk in devices.chunked(100) {
                _ = try await db.query(
                    "INSERT INTO devices (\(Self.columns)) VALUES "
                        + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                    chunk.flatMap { device -> [SQLValue] in
                        [
                            .text(device.id.rawValue), .text(device.householdID.rawValue), .text(device.zone.name),
                            .text(device.name), .text(device.state.rawValue), .integer(device.createdAt.unixMilliseconds),
                            .integer(device.updatedAt.unixMilliseconds),
                            device.lastSeenAt.map { .integer($0.unixMilliseconds) } ?? .null,
                        ]
                    })
            }
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "the device id is taken or its household or zone does not exist")
        }
    }

    /// Registers a device as reached through a gateway (a constrained device the gateway speaks
    /// for, RFC 8693 token exchange); nil detaches it.
    public func setGateway(_ id: DeviceID, gateway: DeviceID?) async throws {
        let updated = try await db.query(
            "UPDATE devices SET gateway_id = ? WHERE id = ? RETURNING id", gateway?.rawValue, id.rawValue)
        guard !updated.isEmpty else { throw HearthError(.notFound, "no such device") }
    }

    /// The gateway a device is registered behind, if any.
    public func gateway(of id: DeviceID) async throws -> DeviceID? {
        try await db.first("SELECT gateway_id FROM devices WHERE id = ?", id.rawValue)
            .flatMap { try $0.optionalText("gateway_id") }.flatMap(DeviceID.init)
    }

    /// Devices that are not decommissioned, in one household or (nil) in every one.
    public func liveCount(in household: HouseholdID? = nil) async throws -> Int {
        let row = if let household {
            try await db.first(
                "SELECT COUNT(*) AS n FROM devices WHERE state <> 'decommissioned' AND household_id = ?", household.rawValue)
        } else {
            try await db.first("SELECT COUNT(*) AS n FROM devices WHERE state <> 'decommissioned'")
        }
        return Int(try row?.integer("n") ?? 0)
    }

    /// When a device of the household was last seen, the latest of them (nil: none ever was).
    public func latestSighting(in household: HouseholdID) async throws -> Int64? {
        let row = try await db.first("SELECT MAX(last_seen_at) AS m FROM devices WHERE household_id = ?", household.rawValue)
        return try row?.optionalInteger("m")
    }

    public func find(_ id: DeviceID) async throws -> Device? {
        guard let row = try await db.first("SELECT \(Self.columns) FROM devices WHERE id = ?", id.rawValue)
        else { return nil }
        return try Device(row)
    }

    public func all(in household: HouseholdID) async throws -> [Device] {
        try await db.query(
            "SELECT \(Self.columns) FROM devices WHERE household_id = ? ORDER BY created_at, id", household.rawValue
        ).map(Device.init)
    }

    /// Moves a device to `next`, checked by the domain state machine against the state stored
    /// now; the update is conditional on that state, so two racing transitions cannot both win.
    @discardableResult
    public func transition(_ id: DeviceID, to next: DeviceState, at time: Date) async throws -> Device {
        guard var device = try await find(id) else { throw HearthError(.notFound, "no such device") }
        let previous = device.state
        try device.transition(to: next, at: time)
        let updated = try await db.query(
            "UPDATE devices SET state = ?, updated_at = ? WHERE id = ? AND state = ? RETURNING id",
            next.rawValue, time.unixMilliseconds, id.rawValue, previous.rawValue)
        guard !updated.isEmpty else {
            throw HearthError(.conflict, "the device changed state concurrently; try again")
        }
        try await AccessChangeRecords(db: db).bump()
        return device
    }

    /// Moves a device to another zone of its household.
    @discardableResult
    public func move(_ id: DeviceID, to zone: Zone, at time: Date) async throws -> Device {
        guard var device = try await find(id) else { throw HearthError(.notFound, "no such device") }
        try device.move(to: zone, at: time)
        do {
            let updated = try await db.query(
                "UPDATE devices SET zone = ?, updated_at = ? WHERE id = ? AND state <> 'decommissioned' RETURNING id",
                zone.name, time.unixMilliseconds, id.rawValue)
            guard !updated.isEmpty else { throw HearthError(.conflict, "the device changed state concurrently; try again") }
        } catch let error as HearthError where error.code == .conflict && error.reason.hasPrefix("constraint") {
            throw HearthError(.notFound, "the household has no zone \(zone)")
        }
        try await AccessChangeRecords(db: db).bump()
        return device
    }

    /// An owner claims a pending device: it becomes active in `zone` under `name`.
    @discardableResult
    public func claim(_ id: DeviceID, zone: Zone, name: String, at time: Date) async throws -> Device {
        guard var device = try await find(id) else { throw HearthError(.notFound, "no such device") }
        guard device.state == .pending else {
            throw HearthError(.illegalTransition, "device \(id) is \(device.state.rawValue); only a pending device is claimed")
        }
        try device.transition(to: .active, at: time)
        try device.move(to: zone, at: time)
        device.name = try Device.validatedName(name)
        do {
            let updated = try await db.query(
                "UPDATE devices SET state = 'active', zone = ?, name = ?, updated_at = ? WHERE id = ? AND state = 'pending' RETURNING id",
                zone.name, device.name, time.unixMilliseconds, id.rawValue)
            guard !updated.isEmpty else { throw HearthError(.conflict, "the device changed state concurrently; try again") }
        } catch let error as HearthError where error.code == .conflict && error.reason.hasPrefix("constraint") {
            throw HearthError(.notFound, "the household has no zone \(zone)")
        }
        return device
    }

    /// Records that the device authenticated at `time`; skipped (no write) when the stored time
    /// is less than `granularity` old, so a chatty device does not write on every request.
    public func markSeen(_ device: Device, at time: Date, granularity: Duration = .seconds(60)) async throws {
        if let seen = device.lastSeenAt, time.timeIntervalSince(seen) < Double(granularity.components.seconds) { return }
        try await db.execute(
            "UPDATE devices SET last_seen_at = ? WHERE id = ?", time.unixMilliseconds, device.id.rawValue)
    }
}

extension Device {
    init(_ row: SQLRow) throws {
        guard let id = DeviceID(try row.text("id")), let household = HouseholdID(try row.text("household_id")),
              let state = DeviceState(rawValue: try row.text("state"))
        else { throw HearthError(.storageUnavailable, "a stored device record is malformed") }
        try self.init(
            id: id, householdID: household, zone: try Zone(try row.text("zone")), name: try row.text("name"),
            state: state, createdAt: Date(unixMilliseconds: try row.integer("created_at")),
            updatedAt: Date(unixMilliseconds: try row.integer("updated_at")),
            lastSeenAt: try row.optionalDate("last_seen_at"))
    }
}

extension DeviceRecords {
    /// Sets (nil: clears) the device model whose declared telemetry flows a device follows.
    public func setModel(_ id: DeviceID, model: String?) async throws {
        let updated = try await db.query("UPDATE devices SET model = ? WHERE id = ? RETURNING id", model, id.rawValue)
        guard !updated.isEmpty else { throw HearthError(.notFound, "no such device") }
    }

    /// The model of each device that has one, by household (one household, or nil: every one).
    public func models(in household: HouseholdID?) async throws -> [HouseholdID: [DeviceID: String]] {
        let rows = if let household {
            try await db.query(
                "SELECT id, household_id, model FROM devices WHERE household_id = ? AND model IS NOT NULL", household.rawValue)
        } else {
            try await db.query("SELECT id, household_id, model FROM devices WHERE model IS NOT NULL")
        }
        var models: [HouseholdID: [DeviceID: String]] = [:]
        for row in rows {
            guard let id = DeviceID(try row.text("id")), let household = HouseholdID(try row.text("household_id")) else { continue }
            models[household, default: [:]][id] = try row.text("model")
        }
        return models
    }
}

extension DeviceRecords {
    /// Every device not decommissioned, with its household.
    public func liveDevices() async throws -> [(id: DeviceID, household: HouseholdID)] {
        try await db.query("SELECT id, household_id FROM devices WHERE state <> 'decommissioned'").compactMap { row in
            guard let id = DeviceID(try row.text("id")), let household = HouseholdID(try row.text("household_id")) else { return nil }
            return (id, household)
        }
    }
}
