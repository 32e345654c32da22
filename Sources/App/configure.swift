import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import NIOCore
import SQLKit
import Vapor

/// Wires the application. Tests call this with their own `AppConfig` (a temp SQLite file or a
/// throwaway Postgres database) and an optional pinned clock, so they run the production wiring.
public func configure(_ app: Application, config: AppConfig, clock: AppClock = AppClock()) async throws {
    app.munimConfig = config
    app.clock = clock
    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: config.maxBodyBytes)
    app.passwords.use(.bcrypt(cost: config.bcryptCost))

    ContentConfiguration.global.use(encoder: JSONCoders.encoder, for: .json)
    ContentConfiguration.global.use(decoder: JSONCoders.decoder, for: .json)

    switch config.database {
    case .sqlite(let path):
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        app.databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
        app.store = Store(isSQLite: true)
        // WAL lets readers run beside the one writer; the setting is stored in the file.
        try await app.db.sql.raw("PRAGMA journal_mode=WAL").run()
    case .postgres(let url):
        app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(15),
                                        pruneInterval: nil, sqlLogLevel: .trace), as: .psql)
        app.store = Store(isSQLite: false)
    }
    app.migrations.add(Migrations.all)
    app.vault = try Vault.load(config: config)
    MessagingJobs.register(app)
    WorkflowEngine.register(app)
    if config.workerEnabled {
        app.lifecycle.use(Worker(concurrency: config.workerConcurrency, pollInterval: .milliseconds(config.workerPollMilliseconds)))
    }

    app.middleware = Middlewares()
    // Outermost first: every reply, errors included, carries the request id and security headers.
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(RouteLoggingMiddleware(logLevel: .debug))
    app.middleware.use(APIErrorMiddleware())
    app.middleware.use(BodyLimitMiddleware(maxBytes: config.maxBodyBytes))
    let publicDir = config.publicDirectory.hasPrefix("/")
        ? config.publicDirectory
        : app.directory.workingDirectory + config.publicDirectory
    app.middleware.use(FileMiddleware(publicDirectory: publicDir.hasSuffix("/") ? publicDir : publicDir + "/",
                                      defaultFile: "index.html"))

    try routes(app)
}

public enum Migrations {
    public static var all: [any Migration] { [CreateAccounts(), CreateLedger(), CreateAssistant(), AddBusinessUPI(), AddExportIndexes(),
                                               CreateJobs(), CreateMessaging(), CreateCredentials(), CreateWorkflows()] }
    public static var names: [String] { all.map(\.name) }
}
