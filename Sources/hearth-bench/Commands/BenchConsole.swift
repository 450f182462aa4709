import ArgumentParser
import Foundation
import HearthCommandLine
import HearthAudit
import HearthCore
import HearthHub
import HearthOAuth
import HearthServer
import HearthStore
import Logging
import NIOCore
import NIOHTTP1

/// `hearth-bench console`: how long the hub takes to serve each page of the household console
/// with a household of 1,000 devices and 100,000 audit entries.
struct ConsoleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Time to serve every console page (p50/p90/p99/max) over kept-alive HTTPS, for a household of 1,000 devices and 100,000 audit entries.",
        discussion: """
            Seeds a data folder (a temporary one, or --data), SQLite by default or with --database a \
            postgres:// URL of an EMPTY scratch database: a hub initialized as `hearth init` makes it, \
            its first household with eight zones (the five defaults and three more, each with its \
            CA), --devices devices in every state (88 % active, 5 % quarantined, 3 % pending, \
            4 % decommissioned; each with the certificates its pairing, key rotation and renewals \
            leave: real CSRs issued and superseded through the hub's PKI; about one in seven valid \
            ones ending within a week; about one in twelve not seen for over a day), five people, two \
            invitations, five apps, an open pairing window, and --audit-entries audit entries in the \
            household, appended through the store in transactions of 2,000 (the Merkle tree is real); \
            then signs a checkpoint. A --data folder this command seeded before is measured again \
            without seeding (its owner's password is in bench-console.json there).

            Then it serves the hub in this process on 127.0.0.1 (a free port), signs in through the \
            console's own form (GET /console/sign-in for the form's cookie and CSRF value, then the \
            form post with the browser's Origin), and times each page on one kept-alive HTTPS \
            connection: --warmup requests, then --requests requests one after another, each from \
            writing the request to reading the response's last byte (on the connection's event loop). \
            /healthz over the same connection is the floor: TLS, HTTP and the router without any \
            page. Any answer but 200 stops the run with an error.
            """)

    @Option(name: .long, help: "The data folder to seed and keep (default: a temporary folder, removed afterwards).")
    var data: String?

    @Option(name: .long, help: "postgres://… to use PostgreSQL (an EMPTY scratch database); default: the folder's SQLite file.")
    var database: String?

    @Option(name: .long, help: "Devices in the household.")
    var devices: Int = 1_000

    @Option(name: .long, help: "Audit entries in the household.")
    var auditEntries: Int = 100_000

    @Option(name: .long, help: "Timed requests per page.")
    var requests: Int = 200

    @Option(name: .long, help: "Untimed requests per page first.")
    var warmup: Int = 10

    @Option(name: .long, help: "Measure only the pages whose path contains this text (repeatable); /healthz is always measured.")
    var only: [String] = []

    @Flag(name: .long, help: """
        Before each request (untimed), append one audit entry to the household, as a busy household does: \
        nothing the hub read for the previous request can be reused (its inventory cache misses every time).
        """)
    var churn = false

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard devices >= 20 else { throw ValidationError("--devices must be at least 20") }
        guard auditEntries >= 1_000 else { throw ValidationError("--audit-entries must be at least 1000") }
        guard requests >= 1, warmup >= 0 else { throw ValidationError("--requests must be at least 1, --warmup at least 0") }
    }

    func run() async throws {
        let logger = try log.makeLogger()
        let scratch = data == nil
        let folder = DataFolder(
            path: data
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("hearth-bench-console-\(UUID().uuidString)").path)
        defer { if scratch { try? FileManager.default.removeItem(atPath: folder.path) } }
        var seed: ConsoleSeed?
        if folder.isMissingOrEmpty {
            try folder.create()
        } else {
            seed = try ConsoleSeed.load(from: folder)
            guard seed != nil else {
                throw HearthError(
                    .configuration, "\(folder.path) is not empty and was not seeded by `hearth-bench console`; give a new folder")
            }
        }
        let sealer = try KeySealer(kek: folder.keyEncryptionKey(create: true))
        let location = try DatabaseLocation(url: database, dataFolder: folder)
        let engine = try await location.makeEngine(logger: logger)
        let rows = try await Store.withRunning(engine, logger: logger) { store in
            if let seed {
                Output.print("""
                    measuring the hub seeded before in \(folder.path) (\(seed.devices) devices, \(seed.auditEntries) audit \
                    entries in the household)
                    """)
            } else {
                let began = ContinuousClock.now
                let made = try await ConsoleSeeder(
                    store: store, sealer: sealer, logger: logger, deviceCount: devices, auditEntries: auditEntries
                ).seed()
                try made.save(in: folder)
                seed = made
                Output.print(
                    "seeded in \(Self.fixed((ContinuousClock.now - began).milliseconds / 1000, 1)) s: \(made.devices) devices, "
                        + "\(made.auditEntries) audit entries in the household (\(store.engine.dialect.name), \(location))")
            }
            var configuration = HubConfiguration(host: "127.0.0.1", port: 0, passwordHashing: BenchHub.hashing)
            configuration.auditCheckpointFile = folder.auditCheckpointPath
            let assembly = try await HubAssembly.open(
                configuration: configuration, store: store, sealer: sealer, publicURL: BenchHub.publicURL, logger: logger)
            try folder.writeRootCertificate(assembly.pki.authorities.rootPEM)
            let checkpoint = try await assembly.checkpointer.checkpoint()
            Output.print("audit checkpoint signed at \(checkpoint.size) entries")
            let pages = Self.pages(seed!, logSize: checkpoint.size).filter { page in
                !page.signedIn || only.isEmpty || only.contains { page.path.contains($0) }
            }
            let rootPEM = assembly.pki.authorities.rootPEM
            return try await BenchHub.serving(Hub(assembly)) { port in
                try await measure(pages, port: port, rootPEM: rootPEM, seed: seed!, store: store)
            }
        }
        Output.print(Self.table(rows, requests: requests))
        if scratch {
            Output.print("(the data folder was temporary and is removed; --data DIR keeps it)")
        } else {
            Output.print("data folder kept: \(folder.path) (sign in as \(seed!.email), password in \(ConsoleSeed.fileName))")
        }
    }

    struct Page: Sendable {
        let name: String
        let path: String
        /// The floor: no session cookie.
        var signedIn = true
    }

    static func pages(_ seed: ConsoleSeed, logSize: Int64) -> [Page] {
        [
            Page(name: "/healthz (floor)", path: "/healthz", signedIn: false),
            Page(name: "overview", path: "/console/overview"),
            Page(name: "devices, page 1", path: "/console/devices"),
            Page(name: "devices, filtered + sorted", path: "/console/devices?state=active&sort=expires&dir=desc&page=3"),
            Page(name: "devices, search", path: "/console/devices?q=sensor"),
            Page(name: "one device", path: "/console/devices/\(seed.device)"),
            Page(name: "pairing", path: "/console/pairing"),
            Page(name: "people", path: "/console/people"),
            Page(name: "apps", path: "/console/apps"),
            Page(name: "audit, page 1", path: "/console/audit"),
            Page(name: "audit, common action", path: "/console/audit?action=certificate.issued"),
            Page(name: "audit, rare action", path: "/console/audit?action=device.decommissioned"),
            Page(name: "audit, deep page (cursor)", path: "/console/audit?cursor=\(logSize / 10)"),
        ]
    }

    struct Row: Sendable {
        let page: Page
        /// Milliseconds, sorted.
        let samples: [Double]
        let bytes: Int

        /// Nearest rank: the smallest sample with at least `fraction` of them at or below it.
        func percentile(_ fraction: Double) -> Double {
            samples[max(0, Int((Double(samples.count) * fraction).rounded(.up)) - 1)]
        }
    }

    private func measure(_ pages: [Page], port: Int, rootPEM: String, seed: ConsoleSeed, store: Store) async throws -> [Row] {
        let household = HouseholdID(seed.household)!
        let client = try await KeptAliveHTTPS.connect(host: "127.0.0.1", port: port, rootPEM: rootPEM)
        let session = try await Self.signIn(client, seed: seed)
        var rows: [Row] = []
        for page in pages {
            let headers = page.signedIn ? [("Cookie", "hearth_console=\(session)")] : []
            var samples: [Double] = []
            var bytes = 0
            for number in 0..<(warmup + requests) {
                if churn {
                    try await store.write { db in
                        _ = try await db.audit.append(AuditEvent(
                            .mqttDenied, actor: .system("hearth-bench"), subject: "bench:churn", household: household,
                            reason: "churn before a timed request"))
                    }
                }
                let response = try await client.get(page.path, headers: headers)
                guard response.status == .ok else {
                    throw HearthError(
                        .storageUnavailable,
                        "\(page.path) answered \(response.status.code) \(response.status.reasonPhrase) to request \(number + 1): "
                            + String(response.text.prefix(300)))
                }
                if number >= warmup { samples.append(response.milliseconds) }
                bytes = response.body.readableBytes
            }
            let row = Row(page: page, samples: samples.sorted(), bytes: bytes)
            Output.print(
                "\(page.name): p50 \(Self.fixed(row.percentile(0.5))) ms, p99 \(Self.fixed(row.percentile(0.99))) ms (\(bytes) bytes)")
            rows.append(row)
        }
        await client.close()
        return rows
    }

    /// The console's sign-in as a browser makes it: the form (its cookie and hidden CSRF
    /// value), then the form post from this origin; returns the session cookie's value.
    static func signIn(_ client: KeptAliveHTTPS, seed: ConsoleSeed) async throws -> String {
        let form = try await client.get("/console/sign-in")
        guard form.status == .ok, let nonce = form.cookie("hearth_console_signin"), let csrf = hiddenValue("csrf", in: form.text)
        else { throw HearthError(.storageUnavailable, "GET /console/sign-in answered \(form.status.code) without the form's cookie and CSRF value") }
        let body = OAuthForm.encode([("csrf", csrf), ("email", seed.email), ("password", seed.password)])
        let answer = try await client.request(
            .POST, "/console/sign-in",
            headers: [
                ("Origin", "https://\(client.authority)"), ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", "hearth_console_signin=\(nonce)"),
            ],
            body: Array(body.utf8))
        guard answer.status == .seeOther, answer.headers.first(name: "location") == "/console/overview",
              let session = answer.cookie("hearth_console"), !session.isEmpty
        else {
            throw HearthError(
                .storageUnavailable, "the console sign-in answered \(answer.status.code): " + String(answer.text.prefix(300)))
        }
        return session
    }

    /// The value of the hidden input `name` in a page.
    static func hiddenValue(_ name: String, in html: String) -> String? {
        guard let field = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[field.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func fixed(_ value: Double, _ digits: Int = 2) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func table(_ rows: [Row], requests: Int) -> String {
        var lines = [
            "",
            "| page (\(requests) requests each, one kept-alive HTTPS connection) | p50 ms | p90 ms | p99 ms | max ms | body bytes |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for row in rows {
            let link = row.page.path.count > 60 ? String(row.page.path.prefix(57)) + "…" : row.page.path
            let figures = [row.percentile(0.5), row.percentile(0.9), row.percentile(0.99), row.samples.last ?? 0].map { fixed($0) }
            lines.append("| \(row.page.name) `\(link)` | " + figures.joined(separator: " | ") + " | \(row.bytes) |")
        }
        let pages = rows.filter(\.page.signedIn)
        let worst = pages.max { $0.percentile(0.99) < $1.percentile(0.99) }
        if let worst {
            let verdict = worst.percentile(0.99) <= 20 ? "every page's p99 is within 20 ms" : "NOT every page's p99 is within 20 ms"
            lines.append("")
            lines.append("\(verdict) (the highest: \(worst.page.name), \(fixed(worst.percentile(0.99))) ms)")
        }
        return lines.joined(separator: "\n")
    }
}
