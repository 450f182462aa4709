import ArgumentParser
import HearthCommandLine

/// The load tools and benchmarks, apart from the operator's `hearth`: they measure a hub (and
/// its peers, in scripts/bench) on this machine. See BENCHMARKS.md.
@main
struct HearthBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth-bench",
        abstract: "Measure the hub's building blocks on this machine.",
        subcommands: [
            Bench.StoreWrites.self, AuditBench.self, PKIBench.self, PairingBench.self, RenewBench.self, JWTBench.self,
            MQTTBench.self, ConsoleBench.self, TelemetryPipelineBench.self, FirmwareUpdateBench.self, Simulate.self,
        ])
}
