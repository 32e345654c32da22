import Vapor

/// The one error shape of the API (DESIGN §4):
/// `{"error": {"code": "...", "message": "...", "details": {...}}}`.
public struct APIError: AbortError, Sendable {
    public let status: HTTPResponseStatus
    public let code: String
    public let message: String
    public let details: JSONValue?
    public var headers: HTTPHeaders = [:]

    public init(_ status: HTTPResponseStatus, _ code: String, _ message: String, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var reason: String { message }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, "not_found", "\(what) not found")
    }
    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, "bad_request", message)
    }
    public static func conflict(_ code: String, _ message: String, details: JSONValue? = nil) -> APIError {
        APIError(.conflict, code, message, details: details)
    }
    public static let unauthenticated = APIError(.unauthorized, "unauthenticated", "Log in first, or send an API token as Authorization: Bearer <token>.")
    public static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, "forbidden", message)
    }
    /// 422 with the offending fields named: `details.fields = {name: problem}`.
    public static func validation(_ fields: [String: String]) -> APIError {
        let summary = fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: "; ")
        return APIError(.unprocessableEntity, "validation_failed", "Please fix: \(summary)",
                        details: .object(["fields": .object(fields.mapValues { .string($0) })]))
    }
    public static func validation(_ field: String, _ problem: String) -> APIError {
        validation([field: problem])
    }
    /// 503 for a database that is momentarily overloaded or contended (issue 14 §5): pool waits
    /// that timed out, lock timeouts, serialization failures, deadlocks, SQLITE_BUSY. The request
    /// changed nothing (its transaction rolled back), so the client may simply send it again.
    public static var busy: APIError {
        var e = APIError(.serviceUnavailable, "busy", "Munim is busy; please retry in a moment.")
        e.headers.replaceOrAdd(name: .retryAfter, value: "1")
        return e
    }
    public static let internalError = APIError(.internalServerError, "internal_error", "Something went wrong on our side. It has been logged.")
}

struct ErrorBody: Content {
    struct Inner: Content {
        let code: String
        let message: String
        @NullEncoded var details: JSONValue?
    }
    let error: Inner
}

/// Turns every error into the DESIGN §4 shape; never a stack trace, SQL or `"\(error)"` to a user.
struct APIErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let api = Self.map(error, request: request)
            if api.code == "busy" {
                request.logger.warning("database busy: \(String(reflecting: type(of: error)))\(TransientErrors.sqlState(of: error).map { " SQLSTATE \($0)" } ?? "")")
            } else if api.status.code >= 500 {
                request.logger.report(error: error)
            }
            let response = Response(status: api.status)
            for (name, value) in api.headers { response.headers.replaceOrAdd(name: name, value: value) }
            try response.content.encode(ErrorBody(error: .init(code: api.code, message: api.message, details: api.details)), using: JSONCoders.encoder)
            return response
        }
    }

    static func map(_ error: any Error, request: Request) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as AmountTooLarge:
            // Overflow found past the input checks (issue 14 §1): still the caller's 422.
            return .amountTooLarge([e.field])
        case let e as DecodingError:
            var mapped = decodingError(e)
            // Foundation reports some type errors (12.5 for an integer) without a coding path; when
            // the body is well-formed JSON, that is a validation problem, not malformed JSON.
            if mapped.status == .badRequest, case .dataCorrupted(let ctx) = e, let body = request.body.data,
               (try? JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed])) != nil {
                mapped = .validation("body", ctx.debugDescription.replacingOccurrences(of: "Parsed JSON number", with: "The number"))
            }
            return mapped
        case let e as AbortError:
            return abort(e)
        default:
            if TransientErrors.isTransientDatabaseError(error) { return .busy }
            // MultipartKit's parser reports a malformed body with a private error type (the voice
            // upload is the one multipart route): that is bad input, not a server fault.
            if String(reflecting: type(of: error)).hasPrefix("MultipartKit.") {
                return APIError(.badRequest, "invalid_multipart", "The multipart/form-data body could not be read.")
            }
            return .internalError
        }
    }

    /// Vapor's own errors (routing, body collection, content decoding) get the stable code of
    /// their status; no reply ever carries the bare code "error" (issue 14).
    static func abort(_ e: any AbortError) -> APIError {
        switch e.status {
        case .payloadTooLarge:
            return APIError(.payloadTooLarge, "payload_too_large", "The request body is too large.")
        case .notFound:
            return APIError(.notFound, "not_found", "No such page or resource.")
        case .badRequest:
            // Vapor's own 400s (bad UUID in a path, unreadable body, bad content type).
            return APIError(.badRequest, "bad_request", e.reason)
        case .unsupportedMediaType:
            return APIError(.unsupportedMediaType, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
        case .methodNotAllowed:
            var api = APIError(.methodNotAllowed, "method_not_allowed", "This method is not allowed here.")
            api.headers = e.headers
            return api
        case .unauthorized:
            return APIError(.unauthorized, "unauthenticated", APIError.unauthenticated.message)
        case .forbidden:
            return APIError(.forbidden, "forbidden", e.reason)
        case .conflict:
            return APIError(.conflict, "conflict", e.reason)
        case .unprocessableEntity:
            return APIError(.unprocessableEntity, "validation_failed", e.reason)
        case .tooManyRequests:
            // The same code as Munim's own rate limits (AccountsController), so clients check one.
            var api = APIError(.tooManyRequests, "rate_limited", e.reason)
            api.headers = e.headers
            return api
        case .serviceUnavailable:
            var api = APIError.busy
            if let retry = e.headers.first(name: .retryAfter) { api.headers.replaceOrAdd(name: .retryAfter, value: retry) }
            return api
        default:
            if e.status.code < 500 {
                return APIError(e.status, code(for: e.status), e.reason)
            }
            return .internalError
        }
    }

    /// `431 Request Header Fields Too Large` → `request_header_fields_too_large`.
    static func code(for status: HTTPResponseStatus) -> String {
        let words = status.reasonPhrase.lowercased().split { !$0.isLetter && !$0.isNumber }
        return words.isEmpty ? "http_\(status.code)" : words.joined(separator: "_")
    }

    static func decodingError(_ e: DecodingError) -> APIError {
        func path(_ ctx: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
            var keys = ctx.codingPath
            if let extra { keys.append(extra) }
            let p = keys.map { k in k.intValue.map { "[\($0)]" } ?? k.stringValue.snakeCased }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
            return p.isEmpty ? "body" : p
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            return .validation(path(ctx, key), "is required")
        case .valueNotFound(_, let ctx):
            return .validation(path(ctx), "must not be null")
        case .typeMismatch(let type, let ctx):
            return .validation(path(ctx), "must be \(describe(type))")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return APIError(.badRequest, "invalid_json", "The body is not valid JSON.")
            }
            return .validation(path(ctx), ctx.debugDescription)
        @unknown default:
            return .badRequest("The body could not be read.")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "Int", "Int64", "Int32": return "an integer"
        case "String": return "a string"
        case "Bool": return "true or false"
        case "Double", "Decimal", "Quantity": return "a number"
        default:
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of the right type"
        }
    }
}

extension String {
    /// `lowStockThreshold` → `low_stock_threshold` (error messages name API fields).
    var snakeCased: String {
        var out = ""
        for ch in self {
            if ch.isUppercase {
                if !out.isEmpty { out.append("_") }
                out.append(contentsOf: ch.lowercased())
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
