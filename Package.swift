// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "munim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "munim", targets: ["munim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "munim",
            dependencies: [.target(name: "App")]
        ),
        // Well-kept C libraries from Debian's -dev packages (scripts/test and the Dockerfile install them).
        .systemLibrary(name: "CCairoPango", path: "Sources/CCairoPango", pkgConfig: "pangocairo",
                       providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        .systemLibrary(name: "CQRencode", path: "Sources/CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CXlsxWriter", path: "Sources/CXlsxWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CBrotli", path: "Sources/CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        // Pure Swift, no server: the offline parser and name matching (DESIGN §2, §5).
        .target(name: "AssistantNLU", dependencies: ["JSONCore"], path: "Sources/AssistantNLU"),
        // Pure Swift: the one JSON value type, shared by the parser, the workflow core and the app.
        .target(name: "JSONCore", path: "Sources/JSONCore"),
        // Pure Swift, no server: money and quantities as integers, their bounds and overflow-checked
        // arithmetic (DESIGN §3, issue 14 §1). Shared by the API, reports, assistant and fuzz target.
        .target(name: "LedgerMath", path: "Sources/LedgerMath"),
        .testTarget(name: "AssistantNLUTests", dependencies: ["AssistantNLU"], path: "Tests/AssistantNLUTests"),
        // Pure Swift, no server: blueprints, validation, variables, conditions, cron, the planner
        // and the offline architect (DESIGN §2, §7).
        .target(name: "WorkflowCore", dependencies: ["JSONCore"], path: "Sources/WorkflowCore"),
        .testTarget(name: "WorkflowCoreTests", dependencies: ["WorkflowCore"], path: "Tests/WorkflowCoreTests"),
        .executableTarget(name: "ParserBench", dependencies: ["AssistantNLU"], path: "bench/ParserBench"),
        // libFuzzer target for the offline parser, the number/money readers and LedgerMath's decoders
        // (issue 14 §1); scripts/fuzz builds it with -sanitize=fuzzer. The plain build replays inputs.
        .executableTarget(name: "ParserFuzz", dependencies: ["AssistantNLU", "LedgerMath"], path: "fuzz/ParserFuzz"),
        .executableTarget(
            name: "AssistantBench",
            dependencies: [.target(name: "App"), .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "bench/AssistantBench"
        ),
        .executableTarget(
            name: "ExportBench",
            dependencies: [.target(name: "App"), .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "bench/ExportBench"
        ),
        .executableTarget(
            name: "WebhookBench",
            dependencies: [.target(name: "App"), .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "bench/WebhookBench"
        ),
        .target(
            name: "App",
            dependencies: [
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .target(name: "AssistantNLU"),
                .target(name: "JSONCore"),
                .target(name: "LedgerMath"),
                .target(name: "WorkflowCore"),
                .target(name: "CCairoPango"),
                .target(name: "CQRencode"),
                .target(name: "CXlsxWriter"),
                .target(name: "CBrotli"),
            ]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                .target(name: "App"),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
