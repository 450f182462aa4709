import ArgumentParser
import Foundation
import HearthCommandLine
import HearthSimulation

/// `hearth-bench simulate SCENARIO.json`: plays a fleet scenario against a `hearth serve` it
/// starts, and writes the report (docs/simulator.md).
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Play a fleet scenario (scenarios/*.json) against a hub it starts, and write a JSON and HTML report.",
        discussion: """
            Starts `hearth serve` on a new data folder in --work (127.0.0.1, free ports, the scenario's \
            certificate lifetime), pairs the scenario's devices with the device SDK (each its own key, \
            certificate and state folder; the owner's approvals over the API), connects each over MQTT \
            with mutual TLS, plays the timeline, and writes <scenario>.json and <scenario>.html to \
            --report. Exits 1 when an expectation of the scenario failed.
            """)

    @Argument(help: "The scenario file (JSON).")
    var scenario: String

    @Option(name: .long, help: "The hearth executable to run as the hub (default: the one next to hearth-bench).")
    var hearth: String?

    @Option(name: .long, help: "Scratch folder for the hub's data and the devices' state (default: a new one under /dev/shm or the temporary folder).")
    var work: String?

    @Option(name: .long, help: "Where the report goes.")
    var report: String = "simulation-reports"

    @Option(name: .long, help: "Scale every kind's device count by this factor (a quick run of a big scenario).")
    var scale: Double = 1

    @Option(name: .long, help: "How partitions are made: 'namespaces' (the hub and the devices in network namespaces of the simulator's own, joined by a veth link; needs root and iproute2) or 'in-process' (the fallback: cut devices' connections closed, their attempts held). Default: namespaces where they can be made.")
    var network: Network?

    enum Network: String, ExpressibleByArgument, CaseIterable {
        case namespaces
        case inProcess = "in-process"
    }

    /// Set on the simulator's own run inside the devices' namespace (see ``playInNamespaces(_:)``).
    @Option(name: .long, help: .hidden)
    var insideLab: String?

    @OptionGroup var log: LogOptions

    func run() async throws {
        if insideLab == nil {
            switch network ?? (NetworkLab.isAvailable ? .namespaces : .inProcess) {
            case .namespaces:
                guard NetworkLab.isAvailable else {
                    throw ValidationError("--network namespaces needs root and the ip tool (iproute2); --network in-process runs anywhere")
                }
                throw ExitCode(try playInNamespaces(try NetworkLab.create()))
            case .inProcess: break
            }
        }
        let logger = try log.makeLogger()
        var scenario = try Scenario.load(URL(fileURLWithPath: self.scenario))
        if scale != 1 {
            guard scale > 0, scale <= 100 else { throw ValidationError("--scale must be more than 0 and at most 100") }
            for index in scenario.kinds.indices {
                scenario.kinds[index].count = max(1, Int((Double(scenario.kinds[index].count) * scale).rounded()))
            }
        }
        let files = OwnProcess.raiseFileLimit()
        if files < UInt64(scenario.deviceCount * 3 + 1024) {
            Output.print("note: the open-file limit is \(files); \(scenario.deviceCount) devices need about \(scenario.deviceCount * 3)")
        }
        let binary = URL(fileURLWithPath: hearth ?? Self.sibling("hearth"))
        let base = work.map { URL(fileURLWithPath: $0) } ?? Self.scratch()
        let folder = base.appendingPathComponent("\(scenario.name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let faults = insideLab.map { FaultMethod.namespaces(NetworkLab(name: $0)) } ?? .inProcess
        let result = try await FleetRun(scenario: scenario, hearth: binary, work: folder, faults: faults, logger: logger).run()
        let written = try result.write(to: URL(fileURLWithPath: report))
        Output.print(result.summary)
        Output.print("report: \(written.html.path) (and \(written.json.lastPathComponent)); hub data and device state in \(folder.path)")
        if !result.passed { throw ExitCode(1) }
    }

    /// Runs this same command again inside the lab's devices' namespace (a process's threads
    /// cannot all be moved into a namespace once they run), waits for it, removes the lab, and
    /// returns its exit status.
    private func playInNamespaces(_ lab: NetworkLab) throws -> Int32 {
        defer { lab.remove() }
        let simulator = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return try lab.runInDeviceNamespace(simulator, Array(CommandLine.arguments.dropFirst()) + ["--inside-lab", lab.name])
    }

    static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// /dev/shm when there is one: ten thousand devices' state folders stay off the disk the hub commits to.
    static func scratch() -> URL {
        let shm = URL(fileURLWithPath: "/dev/shm")
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        return base.appendingPathComponent("hearth-sim")
    }
}
