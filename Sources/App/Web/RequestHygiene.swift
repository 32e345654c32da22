import Foundation
import Vapor

/// Request checks that hold for the whole API, made once here instead of in every handler
/// (issue 14, "smaller defects"):
///
/// - Methods outside GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS (TRACE, CONNECT, made-up
///   ones) get 405 `method_not_allowed`; so does a known path asked with a method it does not
///   serve, with an `Allow` header naming the methods it does.
/// - `/api/v1` bodies are JSON: a POST/PUT/PATCH with a non-empty body of another content type
///   gets 415 `unsupported_media_type` (the assistant's multipart voice upload is the one named
///   exception; provider webhooks live outside `/api/v1`, under `/webhooks` and `/hooks`).
/// - No string in an `/api/v1` JSON body (values and object keys, at any depth) or query may
///   contain a control character other than tab, newline and carriage return: 422
///   `validation_failed` naming each field. A NUL used to be stored and then come back cut short
///   (PostgreSQL refuses it outright), so such text is refused before anything is written.
struct RequestHygieneMiddleware: AsyncMiddleware {
    /// The most a JSON body may be (MUNIM_MAX_BODY); collected here to be checked.
    let maxBytes: Int

    static let servedMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE, .OPTIONS]
    static let bodyMethods: [HTTPMethod] = [.POST, .PUT, .PATCH]

    /// `/api/v1` routes that take a body other than JSON, with the media types they take.
    static let otherBodies: [String: Set<String>] = [
        "POST /api/v1/assistant/messages": ["multipart/form-data"],  // voice messages (AssistantController)
        // Expense receipts are the raw file; BooksService checks the type against the bytes and
        // answers 415 in words that fit (a "send JSON" reply would mislead).
        "PUT /api/v1/expenses/*/receipt": ["*"],
    ]

    /// The media types `method path` takes besides JSON; `*` in a pattern is one path segment,
    /// `*` in the set is any type.
    static func otherBodyTypes(_ key: String) -> Set<String>? {
        if let exact = otherBodies[key] { return exact }
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        for (pattern, types) in otherBodies {
            let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
            if p.count == parts.count && zip(p, parts).allSatisfy({ $0 == "*" || $0 == $1 }) { return types }
        }
        return nil
    }

    static let controlProblem = "must not contain control characters"

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = req.url.path
        guard Self.servedMethods.contains(req.method) else {
            throw Self.methodNotAllowed(allow: Self.methods(serving: path, in: req.application.routes))
        }
        if path == "/api/v1" || path.hasPrefix("/api/v1/") {
            // `PUT /workflows/catalog` would reach `PUT /workflows/:id` and fail as a bad id: the
            // path names the catalog, which only serves GET.
            let allowed = Self.methods(serving: path, in: req.application.routes)
            let method = req.method == .HEAD ? .GET : req.method
            if !allowed.isEmpty && !allowed.contains(method) {
                if req.method == .OPTIONS { return Self.options(allowed) }
                throw Self.methodNotAllowed(allow: allowed)
            }
            try checkQuery(req)
            if Self.bodyMethods.contains(req.method) {
                try await checkBody(req, path: path)
            }
        }
        do {
            return try await next.respond(to: req)
        } catch let error as RouteNotFound {
            // A path that exists with other methods: 405 and what it allows, not 404; OPTIONS
            // answers with what it allows.
            let allowed = Self.methods(serving: path, in: req.application.routes)
            guard !allowed.isEmpty else { throw error }
            if req.method == .OPTIONS { return Self.options(allowed) }
            throw Self.methodNotAllowed(allow: allowed)
        }
    }

    static func options(_ allowed: [HTTPMethod]) -> Response {
        let res = Response(status: .noContent)
        res.headers.replaceOrAdd(name: .allow, value: (allowed + [.OPTIONS]).map(\.rawValue).joined(separator: ", "))
        return res
    }

    static func methodNotAllowed(allow: [HTTPMethod]) -> APIError {
        var e = APIError(.methodNotAllowed, "method_not_allowed", "This method is not allowed here.")
        if !allow.isEmpty {
            e.headers.replaceOrAdd(name: .allow, value: allow.map(\.rawValue).joined(separator: ", "))
        }
        return e
    }

    // MARK: content type and body

    func checkBody(_ req: Request, path: String) async throws {
        if req.headers.first(name: .contentLength).flatMap(Int.init) == 0 { return }
        let type = req.headers.contentType
        let mediaType = type.map { "\($0.type)/\($0.subType)".lowercased() }
        if let other = Self.otherBodyTypes("\(req.method.rawValue) \(path)"), other.contains("*") || mediaType.map(other.contains) == true {
            return
        }
        let isJSON = mediaType == "application/json"
            && (type?.parameters["charset"].map { ["utf-8", "utf8"].contains($0.lowercased()) } ?? true)
        let length = req.headers.first(name: .contentLength).flatMap(Int.init)
        if !isJSON, let length, length > 0 {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "Send JSON with Content-Type: application/json (UTF-8).")
        }
        // Chunked bodies have no length up front: read them (within the limit) to see.
        let body = try await req.body.collect(max: maxBytes).get()
        guard let body, body.readableBytes > 0 else { return }
        guard isJSON else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "Send JSON with Content-Type: application/json (UTF-8).")
        }
        let fields = Self.controlCharacterFields(json: body.readableBytesView)
        if !fields.isEmpty {
            throw APIError.validation(Dictionary(fields.map { ($0, Self.controlProblem) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    func checkQuery(_ req: Request) throws {
        guard let query = req.url.query, !query.isEmpty else { return }
        var fields: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            let name = decoded(parts[0])
            let value = parts.count > 1 ? decoded(parts[1]) : ""
            if Self.hasControlCharacter(name) || Self.hasControlCharacter(value) {
                fields[Self.printable(name)] = Self.controlProblem
            }
        }
        if !fields.isEmpty { throw APIError.validation(fields) }
    }

    // MARK: control characters

    /// C0 and C1 controls and DEL, except tab, line feed and carriage return.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control && scalar != "\t" && scalar != "\n" && scalar != "\r"
    }

    static func hasControlCharacter(_ s: String) -> Bool {
        s.unicodeScalars.contains(where: isForbidden)
    }

    /// A key with controls in it, shown with them escaped (`na\u0000me`), never raw.
    static func printable(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if isForbidden(scalar) { out += String(format: "\\u%04X", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// The snake paths (`items[0].description`, `body` for a bare string) of every string value or
    /// key in a JSON document holding a forbidden control character. Not JSON → none: the
    /// handler's decoder answers that with `invalid_json`.
    static func controlCharacterFields(json bytes: some Collection<UInt8>) -> [String] {
        // Fast path: a control character in a JSON string is either an escape (`\u00XX`) or, for
        // DEL and C1 controls, raw bytes (0x7F; UTF-8 C2 80–C2 9F). Raw C0 bytes are invalid JSON.
        guard mayHoldControl(bytes) else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return [] }
        var found: [String] = []
        walk(value, path: "", into: &found)
        return found
    }

    static func mayHoldControl(_ bytes: some Collection<UInt8>) -> Bool {
        var previous: UInt8 = 0
        var backslashU = 0  // progress through `\u00`
        for b in bytes {
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return true }
            if b == 0x7F || (previous == 0xC2 && (0x80...0x9F).contains(b)) { return true }
            switch (backslashU, b) {
            case (0, 0x5C): backslashU = 1
            case (1, 0x75), (1, 0x55): backslashU = 2
            case (2, 0x30), (3, 0x30): backslashU += 1
            case (4, _): return true
            default: backslashU = b == 0x5C ? 1 : 0
            }
            previous = b
        }
        return false
    }

    private static func walk(_ value: Any, path: String, into found: inout [String]) {
        guard found.count < 50 else { return }
        switch value {
        case let s as String:
            if hasControlCharacter(s) { found.append(path.isEmpty ? "body" : path) }
        case let a as [Any]:
            for (i, v) in a.enumerated() { walk(v, path: "\(path)[\(i)]", into: &found) }
        case let o as [String: Any]:
            for key in o.keys.sorted() {
                let child = path.isEmpty ? printable(key) : "\(path).\(printable(key))"
                if hasControlCharacter(key) { found.append(child) }
                walk(o[key]!, path: child, into: &found)
            }
        default:
            break
        }
    }

    // MARK: routes

    /// Methods registered for `path` (HEAD with GET), for the 405's `Allow` header. Only the most
    /// specific routes count, as in the router: constants before parameters, position by position.
    static func methods(serving path: String, in routes: Routes) -> [HTTPMethod] {
        let parts = path.split(separator: "/").map(String.init)
        var best: [Int] = []
        var methods: [HTTPMethod] = []
        for route in routes.all {
            let pattern = route.path.filter { if case .constant("") = $0 { false } else { true } }
            guard matches(pattern, parts) else { continue }
            let rank = pattern.map { component -> Int in
                switch component {
                case .constant: 3
                case .parameter, .anything: 2
                case .catchall: 1
                }
            }
            if rank.lexicographicallyPrecedes(best) { continue }
            if best.lexicographicallyPrecedes(rank) { best = rank; methods = [] }
            if !methods.contains(route.method) { methods.append(route.method) }
        }
        if methods.contains(.GET) && !methods.contains(.HEAD) { methods.append(.HEAD) }
        let order: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE, .OPTIONS]
        return methods.sorted { (order.firstIndex(of: $0) ?? 99) < (order.firstIndex(of: $1) ?? 99) }
    }

    private static func matches(_ pattern: [PathComponent], _ parts: [String]) -> Bool {
        for (i, component) in pattern.enumerated() {
            switch component {
            case .catchall: return i < parts.count
            case .anything, .parameter: if i >= parts.count { return false }
            case .constant(let c): if i >= parts.count || parts[i] != c { return false }
            }
        }
        return pattern.count == parts.count
    }
}
