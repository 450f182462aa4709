import Foundation
import HearthTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hub nodes each in a network namespace of the test's own, on one bridge (veth links): they
/// reach PostgreSQL and each other only over the bridge, clients reach them only through
/// haproxy, and `ip link set down` in a node's namespace cuts it off from everything.
struct ScaleOutCluster {
    let tag: String
    let subnet: String
    let bridge: String
    let nodeCount: Int

    static let ip = "/usr/sbin/ip"

    /// Node `index` (0-based): its namespace, the link's end inside it, its address.
    func namespace(_ index: Int) -> String { "\(tag)n\(index)" }
    func link(_ index: Int) -> String { "\(tag)i\(index)" }
    func address(_ index: Int) -> String { "\(subnet).\(11 + index)" }
    /// The test's own address on the bridge.
    var hostAddress: String { "\(subnet).1" }

    static func create(nodes: Int) async throws -> ScaleOutCluster {
        let number = Int(getpid() % 200) + 20
        let cluster = ScaleOutCluster(tag: "hsc\(number)", subnet: "10.214.\(number)", bridge: "hsc\(number)br", nodeCount: nodes)
        cluster.remove()
        var commands = [
            ["link", "add", cluster.bridge, "type", "bridge"], ["addr", "add", cluster.hostAddress + "/24", "dev", cluster.bridge],
            ["link", "set", cluster.bridge, "up"],
        ]
        for index in 0..<nodes {
            let (namespace, inside, outside) = (cluster.namespace(index), cluster.link(index), "\(cluster.tag)o\(index)")
            commands += [
                ["netns", "add", namespace], ["link", "add", outside, "type", "veth", "peer", "name", inside],
                ["link", "set", inside, "netns", namespace], ["link", "set", outside, "master", cluster.bridge],
                ["link", "set", outside, "up"], ["-n", namespace, "addr", "add", cluster.address(index) + "/24", "dev", inside],
                ["-n", namespace, "link", "set", inside, "up"], ["-n", namespace, "link", "set", "lo", "up"],
            ]
        }
        for arguments in commands {
            let result = try await ProcessRunner.run(ip, arguments)
            guard result.status == 0 else {
                cluster.remove()
                throw ScaleOutTests.Failure(description: "ip \(arguments.joined(separator: " ")): \(result.standardError)")
            }
        }
        return cluster
    }

    /// Cuts node `index` off (`up`: joins it again).
    func link(_ index: Int, up: Bool) async throws {
        let result = try await ProcessRunner.run(Self.ip, ["-n", namespace(index), "link", "set", link(index), up ? "up" : "down"])
        guard result.status == 0 else { throw ScaleOutTests.Failure(description: "ip link set: \(result.standardError)") }
    }

    /// Deletes the namespaces (and with them the links) and the bridge.
    func remove() {
        // Synchronous, for a `defer`; the names are the test's own, letters and digits.
        for index in 0..<nodeCount { _ = system("\(Self.ip) netns delete \(namespace(index)) 2>/dev/null") }
        _ = system("\(Self.ip) link delete \(bridge) 2>/dev/null")
    }

    /// `hearth serve` in node `index`'s namespace, listening on its address, relaying MQTT.
    func serve(_ index: Int, folder: URL, databaseURL: String, kek: String?) async throws -> ScaleOutTests.Node {
        let name = "node\(index + 1)"
        let process = try HearthProcess(
            executable: Self.ip,
            ["netns", "exec", namespace(index), HearthProcess.binaryPath, "serve", "--data", folder.path, "--database", databaseURL,
             "--listen", "\(address(index)):0", "--node-name", name, "--mqtt-relay-port", "0"],
            environment: kek.map { ["HEARTH_KEK": $0] } ?? [:])
        return ScaleOutTests.Node(
            name: name, folder: folder, process: process, port: try await process.waitForPort(), mqttPort: try await process.waitForMQTTPort())
    }

    /// haproxy on the test's side: PostgreSQL for the namespaces (on the bridge), and — once the
    /// nodes run — the nodes' HTTPS and MQTT for clients on 127.0.0.1, balanced and one port per
    /// node, checking each node every 200 ms.
    static func haproxy(_ sections: String, folder: URL, name: String) throws -> HearthProcess {
        let file = folder.appendingPathComponent("\(name).cfg")
        let configuration = """
            defaults
                mode tcp
                timeout connect 2s
                timeout client 1h
                timeout server 1h
                retries 3
                option redispatch
            \(sections)

            """
        try Data(configuration.utf8).write(to: file)
        return try HearthProcess(executable: TestRequirement.haproxyPath, ["-db", "-f", file.path])
    }

    /// PostgreSQL as a network namespace reaches it: a haproxy on `address` (the test's end of a
    /// link) forwarding to the test's server. Returns it and the database URL to use inside.
    static func databaseForwarder(_ database: TestDatabase, on address: String) throws -> (process: HearthProcess, url: String) {
        guard let server = database.url.split(separator: "@").last?.split(separator: "/").first.map(String.init) else {
            throw ScaleOutTests.Failure(description: "no server in the database URL")
        }
        let forward = try FreePort.tcp()
        let process = try haproxy("""
            frontend database
                bind \(address):\(forward)
                default_backend database
            backend database
                server postgres \(server)
            """, folder: database.folder, name: "database")
        return (process, database.url.replacingOccurrences(of: "@\(server)/", with: "@\(address):\(forward)/"))
    }

    /// The front: `https` and `mqtt` balanced over every node, and `mqtt` of each node alone.
    func front(_ nodes: [ScaleOutTests.Node], folder: URL) async throws -> Front {
        let (https, mqtt) = (try FreePort.tcp(), try FreePort.tcp())
        let direct = try nodes.map { _ in try FreePort.tcp() }
        let directHTTPS = try nodes.map { _ in try FreePort.tcp() }
        func servers(_ port: KeyPath<ScaleOutTests.Node, Int>, _ chosen: [Int]) -> String {
            chosen.map { "    server \(nodes[$0].name) \(address($0)):\(nodes[$0][keyPath: port]) check inter 200ms fall 1 rise 2" }
                .joined(separator: "\n")
        }
        var sections = """
            frontend https
                bind 127.0.0.1:\(https)
                default_backend https
            backend https
                balance roundrobin
            \(servers(\.port, Array(nodes.indices)))
            frontend mqtt
                bind 127.0.0.1:\(mqtt)
                default_backend mqtt
            backend mqtt
                balance roundrobin
            \(servers(\.mqttPort, Array(nodes.indices)))
            """
        for index in nodes.indices {
            sections += """

                frontend mqtt\(index)
                    bind 127.0.0.1:\(direct[index])
                    default_backend mqtt\(index)
                backend mqtt\(index)
                \(servers(\.mqttPort, [index]))
                frontend https\(index)
                    bind 127.0.0.1:\(directHTTPS[index])
                    default_backend https\(index)
                backend https\(index)
                \(servers(\.port, [index]))
                """
        }
        let process = try Self.haproxy(sections, folder: folder, name: "front")
        let front = Front(process: process, https: https, mqtt: mqtt, direct: direct, directHTTPS: directHTTPS)
        try await eventually("the front listens", within: .seconds(10)) {
            try await ProcessRunner.run("/usr/bin/curl", ["-sk", "-o", "/dev/null", "https://127.0.0.1:\(https)/"]).status == 0
        }
        return front
    }

    struct Front {
        let process: HearthProcess
        let https: Int
        let mqtt: Int
        /// Per node: a port reaching that node's MQTT alone, and one its HTTPS alone.
        let direct: [Int]
        let directHTTPS: [Int]
    }
}
