import ArgumentParser
import Crypto
import Foundation
import Glibc
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthPKI
import HearthHub
import HearthPKCS11
import HearthServer
import HearthStore
import Logging
import Synchronization
import SwiftASN1
import X509

/// `hearth-bench pki`: certificates issued per second from CSRs through storage and audit, the
/// CPU each costs, and OCSP responses per second — in process, without HTTP.
struct PKIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Certificates issued per second from P-256 CSRs (stored and audited), CPU per certificate, OCSP responses per second.",
        discussion: """
            Makes a hub in a scratch database (a temporary SQLite file, or with --database a postgres:// \
            URL of an EMPTY scratch database), pre-generates distinct P-256 CSRs (a key is never certified \
            twice), then issues from --concurrency tasks for --seconds: each parses and verifies its CSR, \
            signs, and returns only after its record and audit entry have committed. CPU is the whole \
            process's user+system time over the timed window divided by certificates issued.
            """)

    @OptionGroup var database: BenchDatabase

    @Option(name: .long, help: "Seconds of issuance (and of each OCSP run).")
    var seconds: Int = 5

    @Option(name: .long, help: "Concurrent issuers.")
    var concurrency: Int = 64

    @Option(name: .long, help: "CSRs to pre-generate (default 12,000 per second of the run).")
    var csrs: Int?

    /// With --pkcs11, the CA keys are made in that token and every certificate is signed there.
    @OptionGroup var token: TokenOptions

    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.makeLogger()
        let count = csrs ?? 12_000 * seconds
        let requests = try await Self.makeCSRs(count)
        logger.notice("made \(requests.count) CSRs; issuing for \(seconds) s")
        try await database.withStore(logger: logger) { store in
            let keyToken = try token.settings().map(PKCS11Token.init)
            let sealer = try KeySealer(kek: SecureRandom.bytes(32), token: keyToken)
            let initial = try await PasswordHasher.withHasher(parameters: .init(logN: 10, r: 8, p: 1), threads: 1) { hasher in
                try await HubBootstrap.initialize(
                    store: store, sealer: sealer, hasher: hasher, householdName: "bench",
                    ownerEmail: "bench@bench.invalid", hostnames: [],
                    publicURL: HubProvisioning.defaultPublicURL(hostnames: [], port: 0))
            }
            let pki = try await HubPKI.open(store: store, sealer: sealer)
            let next = Mutex(0)
            let issued = Mutex<[(serial: [UInt8], issuer: Certificate)]>([])
            let cpuBefore = Self.cpuSeconds()
            // Concurrent issuance is batched by the group commit, running as it does in `hearth serve`.
            let result = try await withServicesBeside([pki.issuance], logger: logger) {
                try await StoreWriteBenchmark.measure(seconds: seconds, concurrency: concurrency) {
                    let index = next.withLock { value in
                        defer { value += 1 }
                        return value
                    }
                    guard index < requests.count else { throw HearthError(.invalidInput, "ran out of CSRs; raise --csrs") }
                    let order = try CertificateOrder(
                        request: try CertificateRequest(der: requests[index]), profile: .device,
                        household: initial.householdID, subject: .newDevice(name: "bench"))
                    let certificate = try await pki.issue(order, actor: .system("bench"))
                    if index < 1000 {
                        let issuer = pki.authorities.authority(certificate.record.issuerID)!.certificate
                        issued.withLock { $0.append((Array(certificate.certificate.serialNumber.bytes), issuer)) }
                    }
                }
            }
            let cpu = Self.cpuSeconds() - cpuBefore
            Output.print("""
                engine: \(store.engine.dialect.name)  issuers: \(concurrency)  duration: \(seconds) s  \
                CA keys: \(keyToken.map { "in the \($0.description)" } ?? "sealed under the KEK, in memory while the hub runs")
                issued: \(result.count)  rate: \(Int(result.rate)) certificates/s  latency p50: \(result.p50) ms  \
                p99: \(result.p99) ms  cpu: \(String(format: "%.3f", cpu * 1000 / Double(max(result.count, 1)))) ms/certificate
                """)
            let targets = issued.withLock { $0 }
            let plain = try targets.map { try OCSPRequestBuilder.request(issuer: $0.issuer, serial: $0.serial) }
            for (label, nonce) in [("cached (no nonce)", false), ("signed fresh (nonce)", true)] {
                let counter = Mutex(0)
                let responses = try await StoreWriteBenchmark.measure(seconds: seconds, concurrency: 8) {
                    let index = counter.withLock { value in
                        defer { value += 1 }
                        return value
                    } % targets.count
                    let der = nonce
                        ? try OCSPRequestBuilder.request(
                            issuer: targets[index].issuer, serial: targets[index].serial, nonce: SecureRandom.bytes(16))
                        : plain[index]
                    _ = try await pki.ocspResponse(for: der)
                }
                Output.print(
                    "ocsp \(label): \(Int(responses.rate)) responses/s  p50: \(responses.p50) ms  p99: \(responses.p99) ms")
            }
        }
    }

    /// Distinct P-256 keys and their CSRs (DER), made on every core before timing starts.
    static func makeCSRs(_ count: Int) async throws -> [[UInt8]] {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: [[UInt8]].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var made: [[UInt8]] = []
                    for _ in stride(from: worker, to: count, by: workers) {
                        let key = P256.Signing.PrivateKey()
                        let csr = try CertificateSigningRequest(
                            version: .v1, subject: try DistinguishedName { CommonName("bench") }, privateKey: .init(key),
                            attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
                        made.append(try csr.serializeAsPEM().derBytes)
                    }
                    return made
                }
            }
            var all: [[UInt8]] = []
            for try await part in group { all += part }
            return all
        }
    }

    /// User plus system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
