import Foundation
import Glibc
import HearthCore
import NIOCore

/// Two network namespaces of the simulator's own, joined by a veth link: the hub in one, the
/// simulator and its devices in the other, each device leaving from an address of its own
/// (10.202.0.0/16, bound through a local route). A partition is made at the hub's end: a
/// blackhole route per cut device, which with strict reverse-path filtering drops its packets in
/// both directions — the device hears nothing, as behind a dead access point, and the hub's
/// keep-alive timeouts and both sides' TCP retransmissions run as they would.
///
/// `tc netem` (loss, latency) needs a kernel module this machine's kernel does not have
/// (docs/simulator.md); blackhole routes and veth links are in every kernel with namespaces.
public struct NetworkLab: Sendable {
    public let name: String
    var hubNamespace: String { "\(name)-hub" }
    public var deviceNamespace: String { "\(name)-dev" }
    let hubAddress = "10.201.0.1"
    let deviceLinkAddress = "10.201.0.2"
    static let deviceRange = "10.202.0.0/16"
    /// Devices per /24 of the device range: .1 to .250.
    static let perBlock = 250
    static let capacity = 256 * perBlock - 1

    /// A lab made earlier (by the parent simulator process), by its name.
    public init(name: String) { self.name = name }

    /// Whether namespaces can be made here: root, and the `ip` tool.
    public static var isAvailable: Bool { geteuid() == 0 && ipTool != nil }

    static let ipTool: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Makes the namespaces and the link; a lab of the same name left by a killed run goes first.
    public static func create(name: String = "hsim\(getpid())") throws -> NetworkLab {
        let lab = NetworkLab(name: name)
        lab.remove()
        let (hub, devices, hubLink, deviceLink) = (lab.hubNamespace, lab.deviceNamespace, "\(name)h", "\(name)d")
        do {
            try lab.ip(["netns", "add", hub])
            try lab.ip(["netns", "add", devices])
            // Strict reverse-path filtering makes a blackhole route to a device drop what it sends too.
            try lab.ip(["netns", "exec", hub, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1"])
            try lab.ip(["link", "add", hubLink, "type", "veth", "peer", "name", deviceLink])
            try lab.ip(["link", "set", hubLink, "netns", hub])
            try lab.ip(["link", "set", deviceLink, "netns", devices])
            try lab.ip(["-n", hub, "-batch", "-"], input: """
                addr add \(lab.hubAddress)/30 dev \(hubLink)
                link set \(hubLink) up
                link set lo up
                route add \(deviceRange) via \(lab.deviceLinkAddress)
                """)
            try lab.ip(["-n", devices, "-batch", "-"], input: """
                addr add \(lab.deviceLinkAddress)/30 dev \(deviceLink)
                link set \(deviceLink) up
                link set lo up
                route add local \(deviceRange) dev lo
                """)
        } catch {
            lab.remove()
            throw error
        }
        return lab
    }

    /// Deletes both namespaces (and with them the link, the routes and the addresses).
    public func remove() {
        for namespace in [hubNamespace, deviceNamespace] { try? ip(["netns", "delete", namespace], quiet: true) }
    }

    /// The address device `index` (1 or more) leaves from.
    func deviceAddress(_ index: Int) -> SocketAddress? {
        guard (1...Self.capacity).contains(index) else { return nil }
        return try? SocketAddress(ipAddress: Self.text(index), port: 0)
    }

    /// The address a stranger on the network leaves from: in the device range, past every device
    /// (those end at .250 of each /24). Not the simulator's own link address, which the owner and
    /// the monitor app use: the hub blocks an attacker's source, and that must not be theirs.
    var attackerAddress: SocketAddress? { try? SocketAddress(ipAddress: "10.202.255.254", port: 0) }

    /// `command` run in the hub's namespace (`ip netns exec`, which execs it: same process id).
    func hubCommand(_ executable: URL, _ arguments: [String]) -> (executable: URL, arguments: [String]) {
        (URL(fileURLWithPath: Self.ipTool ?? "ip"), ["netns", "exec", hubNamespace, executable.path] + arguments)
    }

    /// Runs a program in the devices' namespace and waits for it; returns its exit status.
    public func runInDeviceNamespace(_ executable: String, _ arguments: [String]) throws -> Int32 {
        try ChildProcess.run(
            URL(fileURLWithPath: Self.ipTool ?? "ip"), ["netns", "exec", deviceNamespace, executable] + arguments, output: .inherit
        ).status
    }

    /// Cuts (or, with `false`, reconnects) the devices with these indexes.
    func partition(_ indexes: [Int], cut: Bool) throws {
        let lines = indexes.filter { (1...Self.capacity).contains($0) }
            .map { "route \(cut ? "add" : "delete") blackhole \(Self.text($0))/32" }
        guard !lines.isEmpty else { return }
        try ip(["-n", hubNamespace, "-force", "-batch", "-"], input: lines.joined(separator: "\n"))
    }

    private static func text(_ index: Int) -> String { "10.202.\(index / perBlock).\(index % perBlock + 1)" }

    private func ip(_ arguments: [String], input: String? = nil, quiet: Bool = false) throws {
        guard let tool = Self.ipTool else { throw HearthError(.configuration, "the `ip` tool (iproute2) is not installed") }
        let run = try ChildProcess.run(URL(fileURLWithPath: tool), arguments, input: input)
        guard run.status == 0 || quiet else {
            throw HearthError(.configuration, "ip \(arguments.prefix(4).joined(separator: " ")) failed: \(run.output)")
        }
    }
}
