// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// What both executables (the operator's `hearth` and the load tools' `hearth-bench`) build on.
let commandLineDependencies: [Target.Dependency] = [
    "HearthCommandLine",
    "HearthHub",
    "HearthServer",
    "HearthBroker",
    "HearthMQTT",
    "HearthPKI",
    "HearthAudit",
    "HearthDevice",
    "HearthOAuth",
    "HearthPrivacy",
    "HearthDetection",
    "HearthFirmware",
    "HearthPKCS11",
    "HearthTPM",
    .product(name: "X509", package: "swift-certificates"),
    .product(name: "SwiftASN1", package: "swift-asn1"),
    .product(name: "Crypto", package: "swift-crypto"),
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]

let package = Package(
    name: "hearth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hearth", targets: ["hearth"]),
        .executable(name: "hearth-bench", targets: ["hearth-bench"]),
        .executable(name: "hearth-fuzz", targets: ["hearth-fuzz"]),
        .library(name: "HearthCore", targets: ["HearthCore"]),
        .library(name: "HearthAudit", targets: ["HearthAudit"]),
        .library(name: "HearthPKI", targets: ["HearthPKI"]),
        .library(name: "HearthPairing", targets: ["HearthPairing"]),
        .library(name: "HearthStore", targets: ["HearthStore"]),
        .library(name: "HearthHub", targets: ["HearthHub"]),
        .library(name: "HearthServer", targets: ["HearthServer"]),
        .library(name: "HearthOAuth", targets: ["HearthOAuth"]),
        .library(name: "HearthDevice", targets: ["HearthDevice"]),
        .library(name: "HearthMQTT", targets: ["HearthMQTT"]),
        .library(name: "HearthBroker", targets: ["HearthBroker"]),
        .library(name: "HearthPrivacy", targets: ["HearthPrivacy"]),
        .library(name: "HearthDetection", targets: ["HearthDetection"]),
        .library(name: "HearthFirmware", targets: ["HearthFirmware"]),
        .library(name: "HearthTesting", targets: ["HearthTesting"]),
        .library(name: "HearthPKCS11", targets: ["HearthPKCS11"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.25.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // Domain types, ids, errors, state machines, clock. No I/O.
        .target(
            name: "HearthCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The Merkle log's math, entries, signed checkpoints and proof verification. No I/O.
        .target(
            name: "HearthAudit",
            dependencies: [
                "HearthCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The hub's CA: certificate requests, profiles, issuance, revocation. No I/O.
        .target(
            name: "HearthPKI",
            dependencies: [
                "HearthCore",
                "HearthKeys",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The pairing protocol's proofs, codes and verification values, shared by hub and device. No I/O.
        .target(
            name: "HearthPairing",
            dependencies: [
                "HearthCore",
                "HearthFirmware",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The OAuth 2.x authorization server's logic: tokens, DPoP, client assertions, PKCE, scopes, TOTP. No I/O.
        .target(
            name: "HearthOAuth",
            dependencies: [
                "HearthCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Byte searches eight at a time, shared by the parsers every message goes through. No
        // dependencies.
        .target(
            name: "HearthBytes",
            swiftSettings: strict
        ),
        // MQTT 3.1.1 and 5 packets, their codec and topic rules. NIOCore only, no I/O.
        .target(
            name: "HearthMQTT",
            dependencies: [
                "HearthBytes",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Telemetry flows: declarations, the JSON Schema subset, payload parsing, minimization and
        // aggregation, consent decisions. No I/O: the broker runs it on every telemetry PUBLISH.
        .target(
            name: "HearthPrivacy",
            dependencies: [
                "HearthBytes",
                "HearthCore",
            ],
            swiftSettings: strict
        ),
        // Detection: signals in, findings and the containment they call for out; risk scores. No
        // I/O: the hub's detection service feeds it and carries out what it returns.
        .target(
            name: "HearthDetection",
            dependencies: [
                "HearthCore",
                // The HMAC on alert webhooks.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Firmware releases and the TUF repository that serves them: canonical JSON, keys and
        // signatures, the roles' metadata, makers' releases checked. No I/O.
        .target(
            name: "HearthFirmware",
            dependencies: [
                "HearthCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The MQTT broker: TLS listener, sessions, routing, retained messages, policy on every packet.
        .target(
            name: "HearthBroker",
            dependencies: [
                "HearthCore",
                "HearthMQTT",
                "HearthDetection",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The storage API, schema migrations and the repositories written once for both engines.
        .target(
            name: "HearthStore",
            dependencies: [
                "HearthCore",
                "HearthAudit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The embedded engine: the SQLite that sqlite-nio bundles, used through its C module.
        .target(
            name: "HearthStoreSQLite",
            dependencies: [
                "HearthStore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The scale-out engine.
        .target(
            name: "HearthStorePostgres",
            dependencies: [
                "HearthStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        // The application layer: every operation of the hub, typed in and out, over the store and
        // the cores; the data folder, key sealing, background services and the assembly of one hub.
        // No HTTP: nothing here imports Hummingbird, NIOHTTP1, HTTPTypes or Prometheus.
        .target(
            name: "HearthHub",
            dependencies: [
                "HearthCore",
                "HearthKeys",
                "HearthAudit",
                "HearthPKI",
                "HearthPairing",
                "HearthOAuth",
                "HearthBroker",
                "HearthMQTT",
                "HearthStore",
                "HearthStoreSQLite",
                "HearthStorePostgres",
                "HearthPrivacy",
                "HearthDetection",
                "HearthFirmware",
                // The household's export is one ZIP archive of JSON files.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The HTTP adapter: Hummingbird routes that decode, call the application layer and encode;
        // problem+json on /v1, RFC 6749 errors on /oauth; the HTTPS listener.
        .target(
            name: "HearthServer",
            dependencies: [
                "HearthHub",
                "HearthCore",
                "HearthAudit",
                "HearthPKI",
                "HearthPairing",
                "HearthOAuth",
                "HearthBroker",
                "HearthStore",
                "HearthPrivacy",
                "HearthDetection",
                "HearthFirmware",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                // Alert webhooks: the hub's outbound HTTP client.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The device SDK: key store, state folder, pairing, renewal, the HTTPS client that talks to a hub.
        .target(
            name: "HearthDevice",
            dependencies: [
                "HearthCore",
                "HearthKeys",
                "HearthTPM",
                "HearthPairing",
                "HearthFirmware",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // What tests (ours and our users') need: a hub on port 0 in a temp folder, a test clock.
        .target(
            name: "HearthTesting",
            dependencies: [
                "HearthCore",
                "HearthPKCS11",
                "HearthTPM",
                .product(name: "Crypto", package: "swift-crypto"),
                "HearthHub",
                "HearthServer",
                "HearthStore",
                "HearthStoreSQLite",
                "HearthStorePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // What both executables share: reading the environment, log options, unbuffered output.
        .target(
            name: "HearthCommandLine",
            dependencies: [
                "HearthCore",
                "HearthPKCS11",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The CLI: the only reader of environment variables and command-line flags.
        .executableTarget(
            name: "hearth",
            dependencies: commandLineDependencies,
            swiftSettings: strict
        ),
        // The fleet simulator (docs/simulator.md): scenarios played by thousands of in-process
        // SDK devices against a `hearth serve` it starts, recorded into a JSON and HTML report.
        .target(
            name: "HearthSimulation",
            dependencies: [
                "HearthCore",
                "HearthDevice",
                "HearthMQTT",
                "HearthPairing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Load tools and benchmarks (BENCHMARKS.md), apart from what operators run.
        .executableTarget(
            name: "hearth-bench",
            // NIOHTTP1: the console bench's kept-alive HTTPS client.
            dependencies: commandLineDependencies + ["HearthSimulation", .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strict
        ),
        // Every parser a stranger's bytes reach, as libFuzzer targets (docs/security.md).
        .target(
            name: "HearthFuzzing",
            dependencies: [
                "HearthCore", "HearthAudit", "HearthMQTT", "HearthPKI", "HearthOAuth", "HearthPairing", "HearthPrivacy", "HearthHub",
                "HearthServer",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // A key that signs in a token (PKCS#11, TPM) as swift-certificates' and NIOSSL's private key.
        .target(
            name: "HearthKeys",
            dependencies: [
                "HearthCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // TPM 2.0 commands (marshaled here, sent raw to /dev/tpmrm0 or swtpm) for a device's keys.
        .target(name: "HearthTPM", dependencies: ["HearthCore", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        // The PKCS#11 interface (our own declarations of the standard's) and the module loader.
        .target(name: "CPKCS11", linkerSettings: [.linkedLibrary("dl")]),
        // Keys in a PKCS#11 token (SoftHSM2, an HSM, a smart card): made, found and used there.
        .target(name: "HearthPKCS11", dependencies: ["HearthCore", "CPKCS11"], swiftSettings: strict),
        // libFuzzer's driver, declared for hearth-fuzz's own entry point.
        .target(name: "CLibFuzzer"),
        // Replays inputs; built by scripts/fuzz with -sanitize=fuzzer,address, it is the fuzzer.
        .executableTarget(name: "hearth-fuzz", dependencies: ["HearthFuzzing", "CLibFuzzer"], swiftSettings: strict),
        .testTarget(name: "HearthFuzzingTests", dependencies: ["HearthFuzzing", "HearthTesting"], swiftSettings: strict),
        .testTarget(name: "HearthCoreTests", dependencies: ["HearthCore"], swiftSettings: strict),
        .testTarget(name: "HearthSimulationTests", dependencies: ["HearthSimulation", "HearthCore", "HearthTesting"], swiftSettings: strict),
        .testTarget(name: "HearthDetectionTests", dependencies: ["HearthDetection", "HearthCore", "HearthTesting"], swiftSettings: strict),
        .testTarget(name: "HearthFirmwareTests", dependencies: ["HearthFirmware", "HearthCore", "HearthTesting"], swiftSettings: strict),
        .testTarget(name: "HearthPrivacyTests", dependencies: ["HearthPrivacy", "HearthCore", "HearthTesting"], swiftSettings: strict),
        .testTarget(name: "HearthAuditTests", dependencies: ["HearthAudit", "HearthCore"], swiftSettings: strict),
        .testTarget(name: "HearthPKITests", dependencies: ["HearthPKI", "HearthCore", "HearthTesting", .product(name: "X509", package: "swift-certificates"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(
            name: "HearthPairingTests",
            dependencies: ["HearthPairing", "HearthCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(
            name: "HearthOAuthTests",
            dependencies: [
                "HearthOAuth", "HearthCore", "HearthTesting",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "HearthBrokerTests",
            dependencies: [
                "HearthBroker", "HearthMQTT", "HearthCore", .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "HearthMQTTTests",
            dependencies: ["HearthMQTT", "HearthCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .testTarget(
            name: "HearthStoreTests",
            dependencies: [
                "HearthTesting", "HearthStore", "HearthStoreSQLite", "HearthStorePostgres", "HearthCore", "HearthAudit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "HearthServerTests",
            dependencies: [
                "HearthTesting", "HearthHub", "HearthServer", "HearthStore", "HearthCore", "HearthAudit", "HearthPairing", "HearthPKI", "HearthOAuth",
                "HearthBroker", "HearthFirmware",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                // The raw connections of the slow-client tests.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "HearthDeviceTests",
            dependencies: [
                "HearthDevice", "HearthTesting", "HearthHub", "HearthServer", "HearthCore", "HearthPairing", "HearthStore",
                "HearthAudit", "HearthFirmware", "HearthTPM",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HearthDeviceTests",
            swiftSettings: strict),
    ]
)
