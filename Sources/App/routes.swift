import Fluent
import SQLKit
import Vapor

func routes(_ app: Application) throws {
    app.on(.health) { _ in HealthDTO(status: "ok") }
    app.on(.ready, use: ready)
    app.on(.metrics, use: metricsEndpoint)
    app.on(.docs) { req async throws -> Response in
        try await req.fileio.asyncStreamFile(at: publicPath(req.application, "docs.html"))
    }
    app.on(.openAPI) { _ in OpenAPIDocument.document }

    // Every route's full path comes from `Endpoint`; groups only add middleware.
    let api: any RoutesBuilder = app
    let accounts = AccountsController()
    accounts.registerPublic(api)
    let authenticated = api.grouped(AuthMiddleware(), IdempotencyMiddleware())
    accounts.registerAuthenticated(authenticated)
    LedgerController().register(authenticated)
    BooksController().register(authenticated)
    AssistantController().register(authenticated)
    ReportsController().register(authenticated)
    EventsController().register(authenticated)
    MessagingController().register(authenticated)
    IntegrationsController().register(authenticated)
    WorkflowsController().register(authenticated)
    DeadJobs.Controller().register(authenticated)
    TwilioWebhooks().register(app)
    WorkflowsController.registerHooks(app)
    InvoiceLinks.register(app)
    StatementLinks.register(app)
}

func publicPath(_ app: Application, _ file: String) -> String {
    let dir = app.munimConfig.publicDirectory
    let base = dir.hasPrefix("/") ? dir : app.directory.workingDirectory + dir
    return (base as NSString).appendingPathComponent(file)
}

struct HealthDTO: Content {
    let status: String
}

struct ReadyDTO: Content {
    let status: String
    let database: String
    let migrations: String
}

/// Ready = the database answers and every migration this binary knows has been applied.
@Sendable func ready(req: Request) async throws -> Response {
    var database = "ok", migrations = "current"
    do {
        let rows = try await req.db.sql.select().column("name").from("_fluent_migrations").all()
        let applied = Set(try rows.map { try $0.decode(column: "name", as: String.self) })
        let missing = Migrations.names.filter { !applied.contains($0) }
        if !missing.isEmpty { migrations = "pending: " + missing.joined(separator: ", ") }
    } catch {
        req.logger.warning("readiness check failed: \(String(reflecting: type(of: error)))")
        database = "unreachable"
        migrations = "unknown"
    }
    let ok = database == "ok" && migrations == "current"
    return try await ReadyDTO(status: ok ? "ready" : "not_ready", database: database, migrations: migrations)
        .encodeResponse(status: ok ? .ok : .serviceUnavailable, for: req)
}

/// A strict CSP (no inline script or style), no framing, no sniffing (DESIGN §9, STYLE habit 12).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    static let pdfCSP = csp.replacingOccurrences(of: "frame-ancestors 'none'", with: "frame-ancestors 'self'")

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let res = try await next.respond(to: req)
        // A PDF may be framed by our own pages only: the invoice page prints it from a hidden frame.
        let pdf = res.headers.contentType == HTTPMediaType(type: "application", subType: "pdf")
        res.headers.replaceOrAdd(name: "Content-Security-Policy", value: pdf ? Self.pdfCSP : Self.csp)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: pdf ? "SAMEORIGIN" : "DENY")
        res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if req.url.path.hasPrefix("/api/") && res.headers.first(name: .cacheControl) == nil {
            res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        } else if res.headers.first(name: .eTag) != nil && res.headers.first(name: .cacheControl) == nil {
            // The web app's files (FileMiddleware gives them an ETag): the browser keeps them and
            // asks each time whether they changed, so a repeat visit gets 304s with no body and an
            // upgrade is seen at once (the modules have no fingerprinted names to cache forever).
            res.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
            res.headers.replaceOrAdd(name: .vary, value: "Accept-Encoding")
        }
        return res
    }
}

/// Carries a request id (from nginx's X-Request-ID when present) into logs and the response.
struct RequestIDMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = req.headers.first(name: "X-Request-ID").flatMap { id -> String? in
            id.count <= 128 && id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) ? id : nil
        }
        let id = incoming ?? UUID().uuidString
        req.logger[metadataKey: "request_id"] = .string(id)
        let res = try await next.respond(to: req)
        res.headers.replaceOrAdd(name: "X-Request-ID", value: id)
        return res
    }
}

/// 413 for bodies over MUNIM_MAX_BODY, decided from Content-Length before anything reads the body
/// (Vapor's own collect limit covers streamed bodies without a length).
struct BodyLimitMiddleware: AsyncMiddleware {
    let maxBytes: Int

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > maxBytes {
            throw APIError(.payloadTooLarge, "payload_too_large", "The request body is larger than \(maxBytes / 1024) KB.")
        }
        if let body = req.body.data, body.readableBytes > maxBytes {
            throw APIError(.payloadTooLarge, "payload_too_large", "The request body is larger than \(maxBytes / 1024) KB.")
        }
        return try await next.respond(to: req)
    }
}
