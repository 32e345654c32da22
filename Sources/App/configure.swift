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
    // The blocking pool runs every SQLite call, bcrypt and PDF/XLSX rendering. Vapor's default is
    // the process-wide NIO singleton with one thread per core: on two cores two logins (bcrypt)
    // or two PDF renders stalled every SQLite query, and in the test process every app shared it.
    // Each application gets its own pool, set before Fluent first reads it.
    app.threadPool = NIOThreadPool(numberOfThreads: max(4, 2 * System.coreCount))

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
        var pg = try SQLPostgresConfiguration(url: url)
        // Each process names its connections, so /metrics can count its own pool in pg_stat_activity.
        pg.coreConfiguration.options.additionalStartupParameters = [("application_name", app.databaseApplicationName)]
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.databasePoolPerEventLoop,
                                    connectionPoolTimeout: .seconds(15), encodingContext: .default, decodingContext: .default,
                                    sqlLogLevel: .trace), as: .psql)
        app.store = Store(isSQLite: false)
        // Several processes share this database: events, job wake-ups and webhook responses
        // travel between them over LISTEN/NOTIFY.
        var listen = pg.coreConfiguration
        listen.options.additionalStartupParameters = [("application_name", String((app.databaseApplicationName + " listen").prefix(63)))]
        let link = ClusterLink(configuration: listen)
        app.cluster = link
        app.lifecycle.use(link)
        app.events.setForward { [weak app] business, event in
            guard let app else { return }
            link.announceEvent(business, event, app)
        }
        app.jobs.wakeup.setRemote { [weak app] in
            guard let app else { return }
            link.announceJobs(app)
        }
        app.runWaiters.setRemote { [weak app] runID in
            guard let app else { return }
            link.announceRun(runID, app)
        }
    }
    app.migrations.add(Migrations.all)
    app.webhookChannels = WebhookChannelCache()
    _ = app.providerGuard  // created here, not lazily from concurrent jobs
    app.jobIntake = GroupCommit(store: app.store, db: app.db, singleStatement: true) { jobs, tx in
        try await JobQueue.insertMany(jobs, on: tx)
        return jobs.map { _ in () }
    }
    app.inlineRuns = GroupCommit(store: app.store, db: app.db, maxBatch: 128) { runs, tx in try await RunTransitions.insertDecided(runs, on: tx) }
    app.vault = try Vault.load(config: config)
    app.store.onJobsCommitted { [weak app] in app?.jobs.wakeup.notify() }
    JobKinds.register(app)
    WorkflowEngine.register(app)
    if config.workerEnabled {
        app.lifecycle.use(Worker(concurrency: config.workerConcurrency, providerConcurrency: config.providerConcurrency,
                                 pollInterval: .milliseconds(config.workerPollMilliseconds)))
    }

    // gzip (or deflate) for what compresses, when the client accepts it (issue 19 §6). Not the live
    // event stream, which must reach the browser event by event.
    app.http.server.configuration.responseCompression = .disabled(allowedTypes: compressedTypes, allowRequestOverrides: true)

    app.middleware = Middlewares()
    // Outermost first: every reply, errors included, carries the request id and security headers.
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(MetricsMiddleware(metrics: app.metrics, logRequests: config.logJSON))
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(APIErrorMiddleware())
    app.middleware.use(BodyLimitMiddleware(maxBytes: config.maxBodyBytes))
    // 405 for unserved methods, 415 for non-JSON API bodies, 422 for control characters (issue 14).
    app.middleware.use(RequestHygieneMiddleware(maxBytes: config.maxBodyBytes))
    let publicDir = config.publicDirectory.hasPrefix("/")
        ? config.publicDirectory
        : app.directory.workingDirectory + config.publicDirectory
    let publicRoot = publicDir.hasSuffix("/") ? publicDir : publicDir + "/"
    // Brotli for the app's files when the browser takes it (issue 19 §6); gzip or plain otherwise.
    app.middleware.use(BrotliFilesMiddleware(publicDirectory: publicRoot, cache: BrotliCache()))
    app.middleware.use(FileMiddleware(publicDirectory: publicRoot, defaultFile: "index.html"))

    try routes(app)
}

/// The media types sent compressed: the web app's files, JSON and plain text. Not the streamed
/// exports (CSV): NIO's compressor broke their chunked stream under schemathesis ("invalid chunk"),
/// and a download is better whole than small.
let compressedTypes: HTTPMediaTypeSet = [
    .html, .css, .json, .svg, .plainText,
    HTTPMediaType(type: "application", subType: "javascript"), HTTPMediaType(type: "text", subType: "javascript"),
    HTTPMediaType(type: "application", subType: "problem+json"),
]

/// Applies pending migrations. On PostgreSQL the migration runs under an advisory lock, so
/// several instances starting at once (a rolling deploy without a separate migrate step) take
/// turns instead of racing to create the same tables.
public func migrateAtStartup(_ app: Application) async throws {
    guard !app.store.isSQLite else {
        try await app.autoMigrate()
        return
    }
    try await app.db.withConnection { conn in
        try await conn.sql.raw("SELECT pg_advisory_lock(\(bind: Migrations.advisoryLockKey))").run()
        do {
            try await app.autoMigrate()
        } catch {
            try? await conn.sql.raw("SELECT pg_advisory_unlock(\(bind: Migrations.advisoryLockKey))").run()
            throw error
        }
        try await conn.sql.raw("SELECT pg_advisory_unlock(\(bind: Migrations.advisoryLockKey))").run()
    }
}

extension Application {
    /// `application_name` of this process's PostgreSQL connections (at most 63 bytes).
    var databaseApplicationName: String { String("munim \(jobs.owner)".prefix(63)) }
}

public enum Migrations {
    /// pg_advisory_lock key for migrations ("munim" in ASCII).
    static let advisoryLockKey: Int64 = 0x6D756E696D
    public static var all: [any Migration] { [CreateAccounts(), CreateLedger(), CreateAssistant(), AddBusinessUPI(), AddExportIndexes(),
                                               CreateJobs(), CreateMessaging(), CreateCredentials(), CreateWorkflows(),
                                               AddJobLanes(), AddIdempotencyLeases(), AddMessageTranscripts(), AddCosts(),
                                               CreateBooks(), AddExpenseReceipts(), AddPlaceOfSupply(), AddGSTRegistration(), AddPriceIncludesGST(), CreateCreditNotes(), AddHSNDigits(), AddRoundOff(), AddInvoiceRoundOff(),
                                               CreateWhatsAppTemplates(), CreateQuickReplies(), CreateRecoveryCodes(), AddUserLanguage(), AddSignInCodes(),
                                               AddCustomerTags(), CreateBroadcasts()] }
    public static var names: [String] { all.map(\.name) }
}
