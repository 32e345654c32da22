import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The services Munim calls. The raw value is the name people read in errors.
enum Provider: String, Sendable, CaseIterable {
    case twilio = "Twilio", openAI = "OpenAI", bluesky = "Bluesky", mastodon = "Mastodon", instagram = "Instagram"
    case razorpay = "Razorpay", shiprocket = "Shiprocket", google = "Google"

    /// Per-provider defaults: request timeout and the largest reply read.
    var defaultTimeout: TimeAmount {
        switch self {
        case .twilio: return .seconds(15)
        case .openAI: return .seconds(30)
        case .razorpay: return .seconds(15)
        case .bluesky, .mastodon, .instagram, .shiprocket, .google: return .seconds(20)
        }
    }

    var maxResponseBytes: Int {
        switch self {
        case .twilio, .razorpay: return 1 << 20
        case .shiprocket: return 2 << 20
        case .openAI, .bluesky, .mastodon, .instagram, .google: return 4 << 20
        }
    }

    /// What a caller reads when no answer came back. The error's type only: an HTTP client error
    /// can carry the URL, and a URL can carry a token or a cursor.
    func unreachable(_ error: any Error) -> String {
        let type = String(describing: Swift.type(of: error))
        switch self {
        case .openAI: return "the provider did not answer: \(type)"
        case .bluesky: return "the service did not answer: \(type)"
        case .mastodon: return "the instance did not answer: \(type)"
        case .instagram: return "Graph did not answer: \(type)"
        case .twilio, .razorpay, .shiprocket, .google: return "could not reach \(rawValue) (\(type))"
        }
    }
}

/// A provider's error code: Twilio's 21211, Razorpay's "BAD_REQUEST_ERROR", an XRPC error name,
/// Graph's 190. Compared with either kind of literal.
struct ProviderCode: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    let text: String
    init(text: String) { self.text = text }
    init(stringLiteral value: String) { text = value }
    init(integerLiteral value: Int) { text = String(value) }
    var description: String { text }
    var number: Int? { Int(text) }

    static func ofText(_ text: String?) -> ProviderCode? { text.map { ProviderCode(text: $0) } }
    static func ofNumber(_ number: Int?) -> ProviderCode? { number.map { ProviderCode(text: String($0)) } }
}

/// The one error of every provider client (issue 15 §2): which provider, the HTTP status (nil when
/// no answer came back or the request was refused before sending), the provider's code and
/// message, and whether trying again may help. Secrets never reach `message` (the clients redact
/// their tokens from echoed text).
struct ProviderError: Error, CustomStringConvertible, Sendable {
    let provider: Provider
    let status: Int?
    let code: ProviderCode?
    let message: String
    /// What was being done: an XRPC method, a Mastodon endpoint, a Graph operation.
    var operation: String = ""
    /// Graph's error subcode and type, and its trace id for support requests.
    var subcode: Int? = nil
    var type: String? = nil
    var traceID: String? = nil

    init(_ provider: Provider, status: Int?, code: ProviderCode? = nil, message: String, operation: String = "",
         subcode: Int? = nil, type: String? = nil, traceID: String? = nil) {
        self.provider = provider
        self.status = status
        self.code = code
        self.message = message
        self.operation = operation
        self.subcode = subcode
        self.type = type
        self.traceID = traceID
    }

    /// The code of a reply (or a download) larger than the cap the caller set.
    static let tooLargeCode = "TooLarge"

    /// 429, 5xx and no answer are worth retrying; other statuses are not, nor a request refused
    /// before sending (no status, but a code saying why: a post too long, a foreign media URL).
    var retryable: Bool { status.map { $0 == 429 || $0 >= 500 } ?? (code == nil) }
    /// No answer at all (what the circuit breaker counts).
    var unanswered: Bool { status == nil && code == nil }

    var httpStatus: Int? { status }
    /// Bluesky's XRPC error name.
    var error: String? { code?.text }
    var fbtraceID: String? { traceID }
    var isExpiredToken: Bool { code == "ExpiredToken" }
    var isInvalidToken: Bool { provider == .instagram && code == 190 }

    var description: String {
        switch provider {
        case .twilio:
            return "Twilio \(status.map(String.init) ?? "unreachable")\(code.map { " (\($0))" } ?? ""): \(message)"
        case .razorpay:
            return "Razorpay \(status.map(String.init) ?? "unreachable")\(code.map { " \($0)" } ?? ""): \(message)"
        case .shiprocket, .google:
            return "\(provider.rawValue) \(status.map(String.init) ?? "unreachable"): \(message)"
        case .openAI:
            return message
        case .bluesky, .mastodon, .instagram:
            var text = "\(provider.rawValue) \(operation) failed"
            if let status { text += " with HTTP \(status)" }
            if provider == .bluesky, let code { text += " (\(code))" }
            if provider == .instagram, let code { text += " (code \(code)\(subcode.map { ", subcode \($0)" } ?? ""))" }
            if !message.isEmpty { text += ": \(message)" }
            if let traceID { text += " [fbtrace_id \(traceID)]" }
            return text
        }
    }
}

/// The one way Munim's provider clients speak HTTP (issue 15 §2): per-provider timeout and reply
/// cap, retries with jittered backoff on the retryable outcomes, structured logs without secrets,
/// and the hook the circuit breakers use. Clients keep only what is theirs: URLs, bodies, their
/// error envelope and their retry policy per call (`retries`).
struct ProviderTransport: Sendable {
    let http: HTTPClient
    let provider: Provider
    var timeout: TimeAmount
    var maxResponseBytes: Int
    var logger: Logger
    /// Runs each attempt through a breaker or a concurrency cap, e.g. `ProviderGuard.run`. No
    /// client sets it: calls are guarded where their caller knows the context (a job may be put
    /// back, a person waiting may not) — channel sends in `ChannelAdapters.guarded`, workflow
    /// provider nodes in `ProviderNodes.call`.
    var hook: (@Sendable (_ attempt: @Sendable () async throws -> Reply) async throws -> Reply)?

    init(http: HTTPClient, provider: Provider, timeout: TimeAmount? = nil, maxResponseBytes: Int? = nil,
         logger: Logger = Logger(label: "munim.provider"),
         hook: (@Sendable (_ attempt: @Sendable () async throws -> Reply) async throws -> Reply)? = nil) {
        self.http = http
        self.provider = provider
        self.timeout = timeout ?? provider.defaultTimeout
        self.maxResponseBytes = maxResponseBytes ?? provider.maxResponseBytes
        self.logger = logger
        self.hook = hook
    }

    struct Request: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: [(String, String)] = []
        var body: Data? = nil
        /// Extra attempts after a 5xx or no answer; only for requests safe to repeat.
        var retries: Int = 0
        /// Whether a 429 is retried too (OpenAI's rate limits clear within seconds).
        var retryOn429 = false
        /// For logs and errors: an XRPC method, an endpoint, an operation.
        var operation: String = ""
        /// The largest reply read for this request (media downloads); the provider's cap otherwise.
        var maxResponseBytes: Int? = nil
    }

    struct Reply: Sendable {
        let status: Int
        let body: Data
        var contentType: String? = nil
        var ok: Bool { (200..<300).contains(status) }
    }

    /// Sends `request`. Any HTTP answer is returned, error statuses included (the client reads its
    /// own error envelope); no answer after the last attempt throws `ProviderError` with status nil.
    func send(_ request: Request) async throws -> Reply {
        let attempts = 1 + max(0, request.retries)
        var lastError: any Error = ProviderError(provider, status: nil, message: "not sent", operation: request.operation)
        for attempt in 0..<attempts {
            if attempt > 0 { try await Task.sleep(for: Self.backoff(attempt: attempt)) }
            let started = ContinuousClock.now
            do {
                let reply: Reply
                if let hook { reply = try await hook { try await once(request) } } else { reply = try await once(request) }
                log(request, status: reply.status, started: started, attempt: attempt)
                let retry = reply.status >= 500 || (request.retryOn429 && reply.status == 429)
                if retry && attempt + 1 < attempts { continue }
                return reply
            } catch where error is ProviderGuard.Open || error is JobPostpone {
                throw error  // refused before sending: the breaker is open or the provider is full
            } catch let e as ProviderError where e.status != nil {
                throw e  // an answer that cannot be used (too large): repeating it changes nothing
            } catch {
                log(request, status: nil, started: started, attempt: attempt)
                lastError = error
            }
        }
        if let e = lastError as? ProviderError { throw e }
        throw ProviderError(provider, status: nil, message: provider.unreachable(lastError), operation: request.operation)
    }

    private func once(_ request: Request) async throws -> Reply {
        var r = HTTPClientRequest(url: request.url)
        r.method = request.method
        for (name, value) in request.headers { r.headers.add(name: name, value: value) }
        if let body = request.body { r.body = .bytes(ByteBuffer(data: body)) }
        let response = try await http.execute(r, timeout: timeout)
        let cap = request.maxResponseBytes ?? maxResponseBytes
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: cap)
        } catch is NIOTooManyBytesError {
            throw ProviderError(provider, status: Int(response.status.code), code: ProviderCode.ofText(ProviderError.tooLargeCode),
                                message: "the reply is larger than \(cap / 1024) KB, the most Munim reads", operation: request.operation)
        }
        return Reply(status: Int(response.status.code), body: Data(buffer: buffer), contentType: response.headers.first(name: "Content-Type"))
    }

    /// 150 ms, 300 ms, … with ±50 % jitter, at most 2 s.
    static func backoff(attempt: Int) -> Duration {
        let base = min(2_000, 150 * (1 << min(attempt - 1, 4)))
        return .milliseconds(Int.random(in: (base / 2)...(base * 3 / 2)))
    }

    /// One debug line per attempt: provider, operation, method, host and path (never the query,
    /// which may carry a token), status or "no answer", and the time taken.
    private func log(_ request: Request, status: Int?, started: ContinuousClock.Instant, attempt: Int) {
        guard logger.logLevel <= .debug else { return }
        let elapsed = ContinuousClock.now - started
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        logger.debug("provider call", metadata: [
            "provider": .string(provider.rawValue), "operation": .string(request.operation),
            "method": .string(request.method.rawValue), "url": .string(Self.redacted(request.url)),
            "status": .string(status.map(String.init) ?? "no answer"), "attempt": .stringConvertible(attempt + 1),
            "duration_ms": .stringConvertible(ms),
        ])
    }

    /// The URL without its query and user info.
    static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "(unparseable URL)" }
        c.query = nil
        c.user = nil
        c.password = nil
        return c.string ?? "(unparseable URL)"
    }

    /// Query and path escaping shared by the clients: RFC 3986 unreserved characters only.
    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    static func query(_ items: [(String, String)]) -> String {
        items.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// JSON coders for providers whose wire format is snake_case (Mastodon, Graph).
    static let snakeEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static let snakeDecoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()
}
