// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "CivicSync",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SyncCore", targets: ["SyncCore"]),
        .library(name: "CivilAffairs", targets: ["CivilAffairs"]),
        .library(name: "FieldClient", targets: ["FieldClient"]),
        .library(name: "SyncServer", targets: ["SyncServer"]),
        .executable(name: "field", targets: ["field"]),
        .executable(name: "syncserver", targets: ["syncserver"]),
        .executable(name: "civicsync-bench", targets: ["civicsync-bench"]),
        .executable(name: "civicsync-fuzz", targets: ["civicsync-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // The PostgreSQL store (PostgresJournal): PostgresClient, its pool and prepared statements.
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // gzip of HTTP bodies (compressed answers and pushes), on the system's zlib.
        .package(url: "https://github.com/adam-fowler/compress-nio", exact: "1.5.0"),
        // A waiting pull answers at once when the server shuts down (graceful shutdown).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The client's HTTPS to a server signed by a private CA (URLSession on Linux cannot trust one).
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        // Tests only: reads Schemas/openapi.yaml with a real YAML parser.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // Benchmark only: latency percentiles (civicsync-bench, W5 and W8).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0"),
    ],
    targets: [
        .target(
            name: "SyncCore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for the merge's hot statements (Statement+Direct.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(
            name: "CivilAffairs",
            dependencies: ["SyncCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "FieldClient",
            dependencies: ["SyncCore", "CivilAffairs", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict),
        .target(
            name: "SyncServer",
            dependencies: [
                "SyncCore",
                "CivilAffairs",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "field",
            dependencies: [
                "FieldClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "syncserver",
            dependencies: [
                "SyncServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "civicsync-bench",
            dependencies: [
                "SyncCore",
                "CivilAffairs",
                "FieldClient",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                "ScratchPostgres",
            ],
            swiftSettings: strict),
        // A throw-away PostgreSQL cluster for the tests and the benchmark (never for production).
        .target(name: "ScratchPostgres", swiftSettings: strict),
        // The fuzz target: a corpus replayer in a normal build; with `scripts/fuzz.sh`
        // (-sanitize=fuzzer, CIVICSYNC_FUZZING) libFuzzer's entry point.
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "civicsync-fuzz",
            dependencies: ["SyncCore", "CivilAffairs", "CLibFuzzer", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "SyncCoreTests",
            dependencies: [
                "SyncCore",
                "CivilAffairs",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FieldClientTests",
            dependencies: ["FieldClient", "SyncCore", "field", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "SyncServerTests",
            dependencies: [
                "SyncServer", "SyncCore", "FieldClient", "syncserver", "field", "ScratchPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["FieldClient", "SyncCore", "field", "syncserver", "civicsync-fuzz", "ScratchPostgres", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
    ]
)
