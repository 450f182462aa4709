import ArgumentParser
import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthDevice
import HearthFirmware
import HearthHub
import HearthStore
import Logging
import Synchronization

/// `hearth-bench firmware-update`: many devices updating at once through the hub's TUF repository.
struct FirmwareUpdateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware-update",
        abstract: "The time until --devices virtual devices, all at once, have updated through the hub's TUF repository.",
        discussion: """
            Starts a hub in this process (scratch database as for `bench pairing`), registers a \
            maker, publishes two releases of one model (--image-kib each), pairs --devices virtual \
            devices running the first, then starts every device's `update` at the same moment: each \
            walks the repository over its own mutual-TLS connections (root, timestamp, snapshot, \
            targets, the maker's role: one connection per file, as the device SDK does), downloads \
            and checks the image, installs it in its state folder and reports it. Timed: from the \
            start until the last device has reported. The floor, in the same run: the same devices \
            each downloading only the image, once, at the same moment (what any update costs \
            without TUF).
            """)

    @OptionGroup var database: BenchDatabase
    @Option(name: .long, help: "Devices updating at the same time.") var devices = 100
    @Option(name: .long, help: "Size of the image, KiB.") var imageKib = 1024
    @OptionGroup var devicesAt: DeviceFolderOption
    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.makeLogger()
        try await database.withStore(logger: logger) { store in
            try await BenchHub.with(store: store, logger: logger) { hub in
                let folder = devicesAt.makeScratch()
                defer { try? FileManager.default.removeItem(at: folder) }
                let maker = TUFSigningKey.generate()
                let actor = AuditActor.system("bench")
                _ = try await hub.firmware.registerMaker(id: "bench", name: "Bench", keys: [maker.publicKey], models: ["bench-x"], actor: actor)
                var previous: TargetsRole?
                var newest: FirmwareRelease?
                for (version, security) in [("1.0", Int64(1)), ("2.0", 2)] {
                    let image = SecureRandom.bytes(imageKib * 1024)
                    _ = try await hub.firmware.images.put(image)
                    let release = try MakerSigning.release(
                        image: image, fileName: "bench-x-\(version).bin", model: "bench-x", version: version, securityVersion: security,
                        notes: "")
                    let signed = try MakerSigning.next(previous: previous, adding: [release], expires: Date() + 86_400, keys: [maker])
                    _ = try await hub.firmware.publish(maker: "bench", metadata: signed.bytes, actor: actor)
                    previous = try TargetsRole(signed.signed)
                    newest = release
                }
                let pool = Mutex<[VirtualDevice]>([])
                let started = Mutex(0)
                let wanted = devices
                _ = try await DeviceBenchLoop.run(seconds: 3600, concurrency: 8) {
                    let go = started.withLock { count in
                        guard count < wanted else { return false }
                        count += 1
                        return true
                    }
                    guard go else { return false }
                    let device = try await hub.pairNewDevice(in: folder, logger: logger)
                    try device.folder.store(firmware: InstalledFirmware(model: "bench-x", version: "1.0", securityVersion: 1))
                    pool.withLock { $0.append(device) }
                    return true
                }
                let fleet = pool.withLock { $0 }
                logger.notice("paired \(fleet.count) devices; updating them all at once")

                guard let release = newest else { return }
                let name = "bench-x-2.0.bin"
                let floor = try await Self.allAtOnce(fleet) { device in
                    var connection = try device.hubConnection()
                    connection.responseLimit = release.length + 1
                    let response = try await connection.get("/tuf/targets/bench-x/\(release.sha256).\(name)")
                    guard response.status == 200, response.body.count == release.length else {
                        throw HearthError(.storageUnavailable, "the image download answered \(response.status)")
                    }
                }
                let updates = try await Self.allAtOnce(fleet) { device in
                    let update = try await device.update()
                    guard update.installed, update.to.version == "2.0" else {
                        throw HearthError(.illegalTransition, "a device did not install 2.0")
                    }
                }
                let engine = store.engine.dialect.name
                Output.print("""
                    firmware_update_all_\(engine)=\(Self.seconds(updates.total)) s  (\(fleet.count) devices updating at once \
                    through TUF, \(imageKib) KiB image: 6 metadata files and the image each, every file over a new \
                    mutual-TLS connection, installed and reported; per device p50 \(Self.seconds(updates.p50)) s, \
                    max \(Self.seconds(updates.max)) s; \(updates.failures) failures)
                    firmware_image_only_\(engine)=\(Self.seconds(floor.total)) s  (the floor: the same devices each downloading \
                    the image alone, once, at the same moment; \(floor.failures) failures)
                    """)
            }
        }
    }

    struct Timing {
        let total: Duration
        let p50: Duration
        let max: Duration
        let failures: Int
    }

    /// Runs `operation` for every device at the same moment; the time until the last finished.
    static func allAtOnce(_ fleet: [VirtualDevice], _ operation: @escaping @Sendable (VirtualDevice) async throws -> Void) async throws -> Timing {
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: Duration?.self) { group in
            for device in fleet {
                group.addTask {
                    do {
                        try await operation(device)
                        return ContinuousClock.now - start
                    } catch {
                        return nil
                    }
                }
            }
            var results: [Duration?] = []
            for await result in group { results.append(result) }
            return results
        }
        let total = ContinuousClock.now - start
        let times = results.compactMap { $0 }.sorted()
        return Timing(
            total: total, p50: times.isEmpty ? .zero : times[times.count / 2], max: times.last ?? .zero,
            failures: results.count - times.count)
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
