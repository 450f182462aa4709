import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthDevice
import HearthPairing
import HearthFirmware
import HearthHub
import HearthServer
import HearthStore
import Logging
import Synchronization

/// `hearth-bench pairing`: end-to-end pairings per second — virtual devices against a hub in this
/// process, each approved by an expectation the bench registers as the owner would.
struct PairingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairing",
        abstract: "End-to-end pairings per second (setup-secret mode, immediate key rotation included) and CPU per pairing.",
        discussion: """
            Starts a hub on 127.0.0.1 (a free port) over a scratch database (a temporary SQLite file, \
            or with --database a postgres:// URL of an EMPTY scratch database), then for --seconds runs \
            --concurrency virtual devices, each with its own state folder (keys and certificates in \
            files, as `hearth device` keeps them; under --device-folder, by default on /dev/shm so \
            that the devices' file writes do not share the disk the hub commits to). One pairing \
            is: the owner's approval, made by a test hook (PairingService.expect in this process: a \
            fresh setup secret, stored sealed and audited), then the device's whole `pairWithSecret` over HTTPS — new key and CSR, the \
            proof, the certificate, the hub's proof checked, the root pinned — and the immediate key \
            rotation it ends with (a renewal over mutual TLS with a full handshake, which revokes the \
            pairing certificate). Code mode is not measured: its device polls every 5 s by design. \
            CPU is this whole process's user+system time over the timed window, so it counts the \
            devices' side (key generation, CSR, TLS client, files) as well as the hub's.
            """)

    @OptionGroup var database: BenchDatabase

    @Option(name: .long, help: "Seconds to pair for.")
    var seconds: Int = 5

    @Option(name: .long, help: "Devices pairing at the same time.")
    var concurrency: Int = 8

    @OptionGroup var devicesAt: DeviceFolderOption

    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.makeLogger()
        try await database.withStore(logger: logger) { store in
            try await BenchHub.with(store: store, logger: logger) { hub in
                let folder = devicesAt.makeScratch()
                defer { try? FileManager.default.removeItem(at: folder) }
                let result = try await DeviceBenchLoop.run(seconds: seconds, concurrency: concurrency) {
                    _ = try await hub.pairNewDevice(in: folder, logger: logger)
                    return true
                }
                let engine = store.engine.dialect.name
                Output.print("""
                    pairings_\(engine)=\(Int(result.rate.rounded())) pairings/s  (\(concurrency) devices at once, \
                    \(result.count) pairings in \(result.secondsText) s; latency p50 \(result.p50) ms, p99 \(result.p99) ms; \
                    first half \(Int(result.firstHalfRate.rounded()))/s, second half \(Int(result.secondHalfRate.rounded()))/s; \
                    device state in \(folder.deletingLastPathComponent().path))
                    pairing_process_cpu_\(engine)=\(result.cpuText) ms/pairing  (user+system CPU of the one process \
                    that runs the hub AND the virtual devices, device side included)
                    """)
                if let line = result.failureLine("pairing_failures_\(engine)") { Output.print(line) }
            }
        }
    }
}

/// `hearth-bench renew`: certificate renewals per second over mutual TLS, a full handshake each.
struct RenewBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Scheduled certificate renewals per second over mutual TLS (a new connection and full handshake each) and CPU per renewal.",
        discussion: """
            A certificate may be renewed once, in the last third of its lifetime (or right after \
            pairing), so every timed renewal needs a device whose certificate is due. The bench makes \
            them first: it starts the hub (in this process, scratch database as for `bench pairing`) \
            with its clock 17 hours behind the real time and pairs devices for six times --seconds (or \
            --devices of them). Their 24-hour certificates (after the immediate rotation) run from \
            17 h ago to 7 h ahead in real time, so TLS on both sides accepts them, and when the hub's \
            clock is then set to the real time they are 71 % through their lifetime: due. Timed: for \
            --seconds (or until every device has renewed once), --concurrency devices each call the \
            SDK's renewIfDue — new key and CSR, a new TLS connection to the pinned hub presenting the \
            current certificate (full handshake, verified by the hub), POST /v1/certificates/renew, \
            the new chain checked and stored. A device renews once. CPU is the whole process's \
            user+system time (hub and devices) over the timed window.
            """)

    @OptionGroup var database: BenchDatabase

    @Option(name: .long, help: "Seconds of renewals.")
    var seconds: Int = 5

    @Option(name: .long, help: "Devices renewing at the same time.")
    var concurrency: Int = 8

    @Option(name: .long, help: "Devices to pair beforehand (default: as many as pair in six times --seconds).")
    var devices: Int?

    @OptionGroup var devicesAt: DeviceFolderOption

    @OptionGroup var log: LogOptions

    /// How far behind the hub's clock is while the devices pair.
    static let headStart: TimeInterval = 17 * 3600

    func run() async throws {
        let logger = try log.makeLogger()
        let clock = OffsetClock(offset: -Self.headStart)
        try await database.withStore(logger: logger, clock: clock) { store in
            try await BenchHub.with(store: store, logger: logger) { hub in
                let folder = devicesAt.makeScratch()
                defer { try? FileManager.default.removeItem(at: folder) }
                let pool = Mutex<[VirtualDevice]>([])
                let wanted = devices
                let pairing = try await DeviceBenchLoop.run(
                    seconds: wanted == nil ? 6 * seconds : 3600, concurrency: concurrency
                ) {
                    if let wanted, pool.withLock({ $0.count }) >= wanted { return false }
                    let device = try await hub.pairNewDevice(in: folder, logger: logger)
                    pool.withLock { $0.append(device) }
                    return true
                }
                let devices = pool.withLock { $0 }
                logger.notice("paired \(devices.count) devices at \(Int(pairing.rate)) pairings/s; renewing for \(seconds) s")

                clock.set(offset: 0)
                let next = Mutex(0)
                let result = try await DeviceBenchLoop.run(seconds: seconds, concurrency: concurrency) {
                    let index = next.withLock { value in
                        defer { value += 1 }
                        return value
                    }
                    guard index < devices.count else { return false }
                    let outcome = try await devices[index].renewIfDue()
                    guard outcome.renewed else {
                        throw HearthError(.illegalTransition, "device \(index)'s certificate was not due for renewal")
                    }
                    return true
                }
                let engine = store.engine.dialect.name
                let exhausted = result.count + result.failures >= devices.count
                    ? "; every prepared device had renewed after \(result.secondsText) s" : ""
                Output.print("""
                    renewals_\(engine)=\(Int(result.rate.rounded())) renewals/s  (\(concurrency) devices at once, \
                    \(result.count) renewals in \(result.secondsText) s, each over a new mutual-TLS connection; \
                    latency p50 \(result.p50) ms, p99 \(result.p99) ms\(exhausted); first half \
                    \(Int(result.firstHalfRate.rounded()))/s, second half \(Int(result.secondHalfRate.rounded()))/s; \
                    \(devices.count) devices prepared; device state in \(folder.deletingLastPathComponent().path))
                    renewal_process_cpu_\(engine)=\(result.cpuText) ms/renewal  (user+system CPU of the one process \
                    that runs the hub AND the virtual devices, device side included)
                    """)
                if let line = pairing.failureLine("renew_preparation_pairing_failures_\(engine)") { Output.print(line) }
                if let line = result.failureLine("renewal_failures_\(engine)") { Output.print(line) }
            }
        }
    }
}

/// Where the virtual devices keep their state folders (keys, certificates, device.json).
struct DeviceFolderOption: ParsableArguments {
    @Option(name: .long, help: "Folder for the devices' state folders (default /dev/shm when present, else the temporary folder).")
    var deviceFolder: String?

    /// A new folder under the chosen place, for this run only. On /dev/shm by default: each device
    /// writes its keys and certificates (fsynced, renamed into place) to storage of its own, so
    /// the devices' file work should not land on the disk the hub's database commits to.
    func makeScratch() -> URL {
        let shm = "/dev/shm"
        var isFolder: ObjCBool = false
        let base = deviceFolder.map { URL(fileURLWithPath: $0) }
            ?? (FileManager.default.fileExists(atPath: shm, isDirectory: &isFolder) && isFolder.boolValue
                && FileManager.default.isWritableFile(atPath: shm)
                ? URL(fileURLWithPath: shm) : FileManager.default.temporaryDirectory)
        return base.appendingPathComponent("hearth-bench-devices-\(UUID().uuidString)")
    }
}

/// A hub in this process for the device benchmarks: initialized as `hearth init` would on the
/// given store, serving HTTPS on a free port of 127.0.0.1, with a pairing service for the test
/// hook that stands in for the owner.
struct BenchHub: Sendable {
    let url: URL
    let household: HouseholdID
    let pairing: PairingService
    /// The hub's firmware service (its images in a scratch folder on SQLite).
    let firmware: FirmwareService

    /// scrypt for the owner's one-time password; nobody signs in during these benchmarks.
    static let hashing = PasswordHashParameters(logN: 10, r: 8, p: 1)
    static let publicURL = HubProvisioning.defaultPublicURL(hostnames: [], port: 0)

    /// Runs `body` while the hub serves; stops the hub when it returns.
    static func with<Result: Sendable>(
        store: Store, logger: Logger, _ body: (BenchHub) async throws -> Result
    ) async throws -> Result {
        let sealer = try KeySealer(kek: SecureRandom.bytes(32))
        let initial = try await PasswordHasher.withHasher(parameters: hashing, threads: 1) { hasher in
            try await HubBootstrap.initialize(
                store: store, sealer: sealer, hasher: hasher, householdName: "bench", ownerEmail: "bench@bench.invalid",
                hostnames: [], publicURL: Self.publicURL)
        }
        let images = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-bench-firmware-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: images) }
        var configuration = HubConfiguration(host: "127.0.0.1", port: 0, passwordHashing: hashing)
        configuration.firmwareFolder = images.path
        let assembly = try await HubAssembly.open(
            configuration: configuration, store: store, sealer: sealer, publicURL: Self.publicURL, logger: logger)
        let pki = assembly.pki
        let hub = Hub(assembly)
        let pairing = PairingService(
            pki: pki, throttle: FailureThrottle(store: store, namespace: "pairing-code", freeFailures: 5), isServedKey: { _ in false })
        return try await serving(hub) { port in
            try await body(BenchHub(
                url: URL(string: "https://127.0.0.1:\(port)")!, household: initial.householdID, pairing: pairing,
                firmware: FirmwareService(store: store, sealer: sealer, imageFolder: images.path)))
        }
    }

    /// Runs `hub` (in this process, no signal handling) while `body` runs with the port it
    /// listens on; stops it when `body` returns.
    static func serving<Result: Sendable>(_ hub: Hub, _ body: (Int) async throws -> Result) async throws -> Result {
        let (ports, listening) = AsyncStream<Int>.makeStream()
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                defer { listening.finish() }
                try await hub.run(shutdownSignals: []) { port in listening.yield(port) }
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                _ = try await group.next()
                throw HearthError(.storageUnavailable, "the bench hub stopped before listening")
            }
            defer { group.cancelAll() }
            let result = try await body(port)
            group.cancelAll()
            while let _ = try await group.next() {}
            return result
        }
    }

    /// One end-to-end pairing in setup-secret mode: the owner's expectation (the test hook), then
    /// a new virtual device pairs and rotates its key. Any failure is thrown; nothing is retried.
    func pairNewDevice(in folder: URL, logger: Logger) async throws -> VirtualDevice {
        let secret = SetupSecret.generate()
        _ = try await pairing.expect(
            secret: secret, household: household, zone: .default, name: "bench", minutes: 60, actor: .system("bench"))
        let device = VirtualDevice(
            stateFolder: folder.appendingPathComponent(UUID().uuidString), backoff: Backoff(maximumAttempts: 1),
            requestTimeout: .seconds(60), logger: logger)
        _ = try await device.pairWithSecret(hub: url, secret: secret)
        return device
    }
}

/// A clock `offset` seconds from the real time, moved by the bench (milliseconds, like ``SystemClock``).
final class OffsetClock: HearthClock, Sendable {
    private let offsetMilliseconds: Atomic<Int64>

    init(offset: TimeInterval) { offsetMilliseconds = Atomic(Int64(offset * 1000)) }

    var now: Date {
        Date(unixMilliseconds: Date().unixMilliseconds + offsetMilliseconds.load(ordering: .relaxed))
    }

    func set(offset: TimeInterval) { offsetMilliseconds.store(Int64(offset * 1000), ordering: .relaxed) }
}

/// Runs an operation from several tasks for a fixed time, or until each task's operation says
/// there is nothing left (returns false); times each one and the process's CPU over the window.
/// A failed operation is counted, not retried; its task waits a second and goes on. The run
/// stops with the error once more than ``FailureTally/maximumFailures`` operations have failed,
/// and more than one for every ten that succeeded.
enum DeviceBenchLoop {
    struct Result {
        let count: Int
        let seconds: Double
        let rate: Double
        let p50: Double
        let p99: Double
        let firstHalfRate: Double
        let secondHalfRate: Double
        /// Process user+system CPU milliseconds per successful operation.
        let cpuPerOperation: Double
        let failures: Int
        let firstFailure: String?

        var secondsText: String { String(format: "%.1f", seconds) }
        var cpuText: String { String(format: "%.2f", cpuPerOperation) }

        /// A line for the failures, if there were any: they are part of the result.
        func failureLine(_ name: String) -> String? {
            guard failures > 0 else { return nil }
            return "\(name)=\(failures) FAILED  (not counted in the rate; the first: \(firstFailure ?? "?"))"
        }
    }

    static func run(
        seconds: Int, concurrency: Int, _ operation: @escaping @Sendable () async throws -> Bool
    ) async throws -> Result {
        let started = ContinuousClock.now
        let deadline = started + .seconds(seconds)
        let cpuBefore = PKIBench.cpuSeconds()
        let failures = FailureTally()
        // (latency ms, completion ms since start)
        let samples = try await withThrowingTaskGroup(of: [(Double, Double)].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [(Double, Double)] = []
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        do {
                            guard try await operation() else { break }
                        } catch {
                            if failures.record(error) { throw error }
                            // As a device would, wait before trying again: the hub slows down an
                            // address after failed pairings (429), and hammering it proves nothing.
                            try await Task.sleep(for: .seconds(1))
                            continue
                        }
                        failures.recordSuccess()
                        let end = ContinuousClock.now
                        samples.append(((end - begin).milliseconds, (end - started).milliseconds))
                    }
                    return samples
                }
            }
            var all: [(Double, Double)] = []
            for try await part in group { all += part }
            return all
        }
        let cpu = PKIBench.cpuSeconds() - cpuBefore
        let total = (ContinuousClock.now - started).milliseconds / 1000
        let latencies = samples.map(\.0).sorted()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            return (value * 100).rounded() / 100
        }
        let half = total * 1000 / 2
        let firstHalf = samples.filter { $0.1 <= half }.count
        let failed = failures.state.withLock { ($0.count, $0.first) }
        return Result(
            count: samples.count, seconds: total, rate: Double(samples.count) / total, p50: percentile(0.5),
            p99: percentile(0.99), firstHalfRate: Double(firstHalf) / (total / 2),
            secondHalfRate: Double(samples.count - firstHalf) / (total / 2),
            cpuPerOperation: cpu * 1000 / Double(max(samples.count, 1)), failures: failed.0, firstFailure: failed.1)
    }
}

/// How many operations failed (and the first error's description) and how many succeeded.
final class FailureTally: Sendable {
    static let maximumFailures = 20
    let state = Mutex<(count: Int, first: String?, successes: Int)>((0, nil, 0))

    func recordSuccess() { state.withLock { $0.successes += 1 } }

    /// Counts `error`; true when there have been too many to go on.
    func record(_ error: any Error) -> Bool {
        let text = "\(error)"
        return state.withLock { state in
            state.count += 1
            if state.first == nil { state.first = text }
            return state.count > Self.maximumFailures && state.count * 10 > state.successes
        }
    }
}
