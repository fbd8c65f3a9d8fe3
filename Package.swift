// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "talentstats",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "talentstats", targets: ["talentstats"]),
        .library(name: "TalentStats", targets: ["TalentStats"]),
        .library(name: "XlsxWriter", targets: ["XlsxWriter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // The C library, found through pkg-config; nothing but libxlsxwriter's own headers.
        .systemLibrary(
            name: "CXlsxWriter",
            path: "Sources/CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // A safe Swift layer over the C library; knows nothing of talent or districts.
        .target(name: "XlsxWriter", dependencies: ["CXlsxWriter"]),
        // The system's SQLite (the release store), found through pkg-config.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // A safe Swift layer over SQLite: connections, statements, transactions; knows nothing of talent.
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        // A streaming reader of .xlsx workbooks (zip + XML, with limits); knows nothing of talent.
        .target(name: "XlsxReader", dependencies: ["ZIPFoundation"]),
        // One compiler hint the key check needs (prefetch), which Swift does not expose.
        .target(name: "CCacheHint", path: "Sources/CCacheHint"),
        // SIMD byte classification the record reader needs (SSE2 compares and masks), which Swift
        // does not expose.
        .target(name: "CByteScan", path: "Sources/CByteScan"),
        // The pipeline: Reference, Ingest, Validate, Aggregate, Report, Publish, Release.
        .target(
            name: "TalentStats",
            dependencies: [
                "XlsxWriter",
                "XlsxReader",
                "SQLite",
                "CCacheHint",
                "CByteScan",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            // Release builds check exclusive access statically only: the dynamic checks cost the
            // record reader's per-record loop about 4% of a run (docs/performance.md). Debug builds,
            // which the tests run, keep every dynamic check.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Argument parsing and exit statuses only.
        .executableTarget(
            name: "talentstats",
            dependencies: [
                "TalentStats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support: an independent .xlsx reader (zip + XML), temporary folders, running the binary.
        .target(
            name: "TestSupport",
            dependencies: ["ZIPFoundation"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "XlsxReaderTests", dependencies: ["XlsxReader"]),
        .testTarget(
            name: "XlsxWriterTests",
            dependencies: ["XlsxWriter", "TestSupport"]
        ),
        .testTarget(
            name: "TalentStatsTests",
            dependencies: ["TalentStats", "TestSupport"],
            resources: [.copy("Fixtures"), .copy("Golden")]
        ),
    ]
)
