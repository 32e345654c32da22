import Foundation
import Logging

/// Everything Munim reads from its environment, parsed and validated in one place.
///
/// Sources, highest priority first: process environment, then an optional `.env` file in the
/// working directory (or the file named by `MUNIM_ENV_FILE`). A bad value stops the start with one
/// line naming the variable; values of secret variables are never echoed (STYLE "habits to avoid").
public struct AppConfig: Sendable {
    public enum DatabaseKind: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)

        public var isPostgres: Bool { if case .postgres = self { return true } else { return false } }
    }

    public var host: String = "127.0.0.1"
    public var port: Int = 8000
    public var database: DatabaseKind = .sqlite(path: "data/munim.sqlite")
    public var dataDirectory: String = "data"
    public var publicURL: URL? = nil
    public var logLevel: Logger.Level = .info
    public var bcryptCost: Int = 12
    public var loginAttemptsPerMinute: Int = 10
    public var sessionDays: Int = 30
    public var trustProxy: Bool = false
    public var maxBodyBytes: Int = 1 << 20
    public var publicDirectory: String = "Public"
    /// OpenAI-compatible provider (LLM parser and transcription). Secret: never printed.
    public var openAIKey: String? = nil
    public var openAIBaseURL: String = "https://api.openai.com/v1"
    public var llmModel: String = "gpt-4o-mini"
    public var transcribeModel: String = "whisper-1"
    /// Speech-to-text of its own (issue 18 §1): any OpenAI-compatible `/audio/transcriptions`
    /// server (a self-hosted Whisper) without an LLM. Unset: the OpenAI settings. Key: secret.
    public var sttBaseURL: String? = nil
    public var sttAPIKey: String? = nil
    public var llmTimeoutSeconds: Int = 10
    /// Email for sign-in codes (`MUNIM_SMTP_URL`, `MUNIM_SMTP_FROM`); nil: no email is sent. Secret.
    public var smtp: SMTPSettings? = nil
    /// 64 hex characters; when unset a key is generated into `<data dir>/secret.key`. Secret.
    public var secretKeyHex: String? = nil
    /// Run jobs in this process (`serve --no-worker` turns it off; `worker` only runs jobs).
    public var workerEnabled: Bool = true
    public var workerConcurrency: Int = 4
    /// Loops of the provider lane (outbound messages, channel checks, polls, provider workflow
    /// nodes), separate from `workerConcurrency`'s local lane (issue 14 §4).
    public var providerConcurrency: Int = 4
    /// How long an `Idempotency-Key` stays "in progress" before a retry may look again (issue 14 §3).
    public var idempotencyLeaseSeconds: Int = 60
    /// `MUNIM_TEST_HOOKS=1`: registers the `test.crash` job kind the process tests use. Never set
    /// in production.
    public var testHooks: Bool = false
    /// How often an idle worker looks for due jobs written by other processes.
    public var workerPollMilliseconds: Int = 500
    public var outboxMaxAttempts: Int = 8
    /// Provider base URLs, overridable for tests and proxies (DESIGN §8).
    public var twilioAPIURL: String = "https://api.twilio.com"
    /// Twilio's Content API (WhatsApp templates and their approval status).
    public var twilioContentURL: String = "https://content.twilio.com"
    public var blueskyServiceURL: String = "https://bsky.social"
    public var instagramGraphURL: String = "https://graph.facebook.com/v21.0"
    public var razorpayAPIURL: String = "https://api.razorpay.com"
    public var shiprocketAPIURL: String = "https://apiv2.shiprocket.in"
    public var googleSheetsURL: String = "https://sheets.googleapis.com"
    public var googleTokenURL: String = "https://oauth2.googleapis.com/token"
    /// The http node refuses private, loopback and link-local addresses unless this is set.
    public var allowPrivateHTTP: Bool = false
    public var logJSON: Bool = false
    /// Workflow runs of one business executing at once; more wait in `queued` (DESIGN §7).
    public var workflowConcurrency: Int = 20
    /// How long a worker holds a workflow step before another may take it over (crash recovery).
    public var stepLeaseSeconds: Int = 120
    /// How long `POST /hooks/{id}` waits for a `respond` node before answering 202.
    public var hookResponseTimeoutMilliseconds: Int = 5000
    /// PostgreSQL connections each event loop (one per core) may open.
    public var databasePoolPerEventLoop: Int = 4
    /// Overrides every non-LLM provider's request timeout (Twilio 15 s, social 20 s, …) when set.
    public var providerTimeoutSeconds: Int? = nil


    /// The LLM engine and transcription switch on when a key is configured (DESIGN §1).
    public var llmEnabled: Bool { openAIKey != nil }
    /// Voice notes and the Speak button work with a speech-to-text server or an OpenAI key.
    public var transcriptionEnabled: Bool { sttBaseURL != nil || sttAPIKey != nil || openAIKey != nil }

    /// Secure cookies only when the public URL is https (issue 2 §4).
    public var secureCookies: Bool { publicURL?.scheme?.lowercased() == "https" }

    public init() {}

    /// One documented row per variable; the README's configuration table mirrors this list.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("MUNIM_HOST", "127.0.0.1", "Address to listen on (`--hostname` overrides)."),
        ("MUNIM_PORT", "8000", "Port to listen on, 1–65535 (`--port` overrides)."),
        ("DATABASE_URL", "sqlite:///<data dir>/munim.sqlite", "`sqlite:///absolute/path.sqlite` or `postgres://user:pass@host:5432/db`."),
        ("MUNIM_DATA_DIR", "./data", "Directory for the default SQLite file and generated keys."),
        ("MUNIM_PUBLIC_URL", "(unset)", "The URL users and providers reach Munim at; https makes cookies Secure."),
        ("MUNIM_LOG_LEVEL", "info", "trace, debug, info, notice, warning, error or critical."),
        ("MUNIM_BCRYPT_COST", "12", "Password hashing cost, 4–16."),
        ("MUNIM_LOGIN_RATE_LIMIT", "10", "Login attempts allowed per minute, per email and per IP."),
        ("MUNIM_SESSION_DAYS", "30", "How long a browser session lasts."),
        ("MUNIM_TRUST_PROXY", "false", "Take the client IP from X-Forwarded-For / X-Real-IP (behind nginx)."),
        ("MUNIM_MAX_BODY", "1mb", "Largest accepted request body (e.g. 512kb, 2mb)."),
        ("MUNIM_PUBLIC_DIR", "./Public", "Directory of the web UI files."),
        ("OPENAI_API_KEY", "(unset)", "Key of an OpenAI-compatible provider; enables the LLM parser and voice transcription."),
        ("OPENAI_BASE_URL", "https://api.openai.com/v1", "Base URL of the OpenAI-compatible API."),
        ("MUNIM_LLM_MODEL", "gpt-4o-mini", "Chat model for the LLM parser."),
        ("MUNIM_STT_BASE_URL", "(OPENAI_BASE_URL)", "Base URL of an OpenAI-compatible speech-to-text server (`/audio/transcriptions`, e.g. a self-hosted Whisper server); set, it enables voice notes and the Speak button without an LLM."),
        ("MUNIM_STT_API_KEY", "(OPENAI_API_KEY)", "Key for the speech-to-text server, if it needs one."),
        ("MUNIM_STT_MODEL", "whisper-1", "Speech-to-text model (`MUNIM_TRANSCRIBE_MODEL` is read as an older name for it)."),
        ("MUNIM_SECRET_KEY", "(generated)", "64 hex characters used to encrypt stored credentials; when unset a key is generated into `<data dir>/secret.key` (mode 0600)."),
        ("MUNIM_WORKER_CONCURRENCY", "4", "Local jobs (inbound messages, routing, ledger and local workflow steps) a worker runs at once, 1–64."),
        ("MUNIM_PROVIDER_TIMEOUT_S", "(per provider)", "Seconds to wait for a provider (Twilio, Bluesky, Mastodon, Instagram, Razorpay, Shiprocket, Google) before giving up, 1–600; by default 15 s for Twilio and Razorpay, 20 s for the others. The LLM keeps its own timeouts."),
        ("MUNIM_PROVIDER_CONCURRENCY", "4", "Provider jobs (sending, channel checks, polls, provider workflow nodes) a worker runs at once, 1–64; they never hold up local jobs."),
        ("MUNIM_IDEMPOTENCY_LEASE_SECONDS", "60", "How long a request's Idempotency-Key counts as in progress; after a crash a retry then replays the committed result or runs, 1–3600."),
        ("MUNIM_WORKER_POLL_MS", "500", "How often an idle worker checks the job table for work from other processes, 50–60000."),
        ("MUNIM_OUTBOX_MAX_ATTEMPTS", "8", "Attempts for an outbound message before it is marked failed (backoff 5 s doubling, up to 10 min)."),
        ("MUNIM_TWILIO_API_URL", "https://api.twilio.com", "Twilio REST base URL (tests point it at a fake)."),
        ("MUNIM_TWILIO_CONTENT_URL", "https://content.twilio.com", "Twilio Content API base URL: WhatsApp templates and their approval (tests point it at a fake)."),
        ("MUNIM_BLUESKY_SERVICE_URL", "https://bsky.social", "Default Bluesky PDS when a channel names none."),
        ("MUNIM_INSTAGRAM_GRAPH_URL", "https://graph.facebook.com/v21.0", "Default Instagram Graph API base URL."),
        ("MUNIM_RAZORPAY_API_URL", "https://api.razorpay.com", "Razorpay REST base URL."),
        ("MUNIM_SHIPROCKET_API_URL", "https://apiv2.shiprocket.in", "Shiprocket REST base URL."),
        ("MUNIM_GOOGLE_SHEETS_URL", "https://sheets.googleapis.com", "Google Sheets v4 base URL."),
        ("MUNIM_GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token", "Google OAuth token endpoint for service accounts."),
        ("MUNIM_ALLOW_PRIVATE_HTTP", "false", "Let the workflow http node call private, loopback and link-local addresses."),
        ("MUNIM_LOG_FORMAT", "text", "`text` or `json` (one JSON object per line)."),
        ("MUNIM_WORKFLOW_CONCURRENCY", "20", "Workflow runs of one business executing at once, 1–1000; more wait in the queue."),
        ("MUNIM_STEP_LEASE_SECONDS", "120", "How long a worker holds a workflow step before another takes it over after a crash, 5–3600."),
        ("MUNIM_DB_CONNECTIONS_PER_LOOP", "4", "PostgreSQL connections per event loop (one loop per core), 1–64; size it so every process together stays under the server's max_connections."),
        ("MUNIM_HOOK_RESPONSE_TIMEOUT_MS", "5000", "How long a webhook call waits for the workflow's respond node before answering 202, 0–60000."),
    ]

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let variable: String
        public let problem: String
        public var description: String { "configuration error: \(variable) \(problem)" }
    }

    /// Builds the configuration from a dictionary of variables (tests pass their own).
    public static func load(_ env: [String: String]) throws -> AppConfig {
        var c = AppConfig()
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        if let v = value("MUNIM_HOST") { c.host = v }
        if let v = value("MUNIM_PORT") {
            guard let p = Int(v), (1...65535).contains(p) else {
                throw Invalid(variable: "MUNIM_PORT", problem: "must be a number between 1 and 65535 (got \"\(v)\")")
            }
            c.port = p
        }
        if let v = value("MUNIM_DATA_DIR") { c.dataDirectory = v }
        c.database = .sqlite(path: (c.dataDirectory as NSString).appendingPathComponent("munim.sqlite"))
        if let v = value("DATABASE_URL") {
            // The URL may hold a password: never echo it.
            c.database = try parseDatabaseURL(v)
        }
        if let v = value("MUNIM_PUBLIC_URL") {
            guard let u = URL(string: v), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
                throw Invalid(variable: "MUNIM_PUBLIC_URL", problem: "must be an absolute http(s) URL such as https://munim.example.com")
            }
            c.publicURL = u
        }
        if let v = value("MUNIM_LOG_LEVEL") {
            guard let l = Logger.Level(rawValue: v.lowercased()) else {
                throw Invalid(variable: "MUNIM_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical (got \"\(v)\")")
            }
            c.logLevel = l
        }
        if let v = value("MUNIM_BCRYPT_COST") {
            guard let n = Int(v), (4...16).contains(n) else {
                throw Invalid(variable: "MUNIM_BCRYPT_COST", problem: "must be a number between 4 and 16 (got \"\(v)\")")
            }
            c.bcryptCost = n
        }
        if let v = value("MUNIM_LOGIN_RATE_LIMIT") {
            guard let n = Int(v), n > 0 else {
                throw Invalid(variable: "MUNIM_LOGIN_RATE_LIMIT", problem: "must be a positive number (got \"\(v)\")")
            }
            c.loginAttemptsPerMinute = n
        }
        if let v = value("MUNIM_SESSION_DAYS") {
            guard let n = Int(v), (1...365).contains(n) else {
                throw Invalid(variable: "MUNIM_SESSION_DAYS", problem: "must be a number of days between 1 and 365 (got \"\(v)\")")
            }
            c.sessionDays = n
        }
        if let v = value("MUNIM_TRUST_PROXY") {
            guard let b = parseBool(v) else {
                throw Invalid(variable: "MUNIM_TRUST_PROXY", problem: "must be true or false (got \"\(v)\")")
            }
            c.trustProxy = b
        }
        if let v = value("MUNIM_MAX_BODY") {
            guard let n = parseByteSize(v), n >= 1024 else {
                throw Invalid(variable: "MUNIM_MAX_BODY", problem: "must be a size such as 512kb or 2mb (got \"\(v)\")")
            }
            c.maxBodyBytes = n
        }
        if let v = value("MUNIM_PUBLIC_DIR") { c.publicDirectory = v }
        if let v = value("OPENAI_API_KEY") { c.openAIKey = v }
        if let v = value("OPENAI_BASE_URL") {
            guard let u = URL(string: v), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
                throw Invalid(variable: "OPENAI_BASE_URL", problem: "must be an absolute http(s) URL such as https://api.openai.com/v1")
            }
            c.openAIBaseURL = v.hasSuffix("/") ? String(v.dropLast()) : v
        }
        if let v = value("MUNIM_LLM_MODEL") { c.llmModel = v }
        if let v = value("MUNIM_STT_MODEL") ?? value("MUNIM_TRANSCRIBE_MODEL") { c.transcribeModel = v }
        if let v = value("MUNIM_STT_BASE_URL") {
            guard let u = URL(string: v), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
                throw Invalid(variable: "MUNIM_STT_BASE_URL", problem: "must be an absolute http(s) URL such as http://127.0.0.1:9000/v1")
            }
            c.sttBaseURL = v.hasSuffix("/") ? String(v.dropLast()) : v
        }
        if let v = value("MUNIM_STT_API_KEY") { c.sttAPIKey = v }
        if let v = value("MUNIM_SECRET_KEY") {
            guard v.count == 64, v.allSatisfy(\.isHexDigit) else {
                throw Invalid(variable: "MUNIM_SECRET_KEY", problem: "must be 64 hex characters (generate one with: openssl rand -hex 32)")
            }
            c.secretKeyHex = v
        }
        func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = value(name) else { return nil }
            guard let n = Int(v), range.contains(n) else {
                throw Invalid(variable: name, problem: "must be a number from \(range.lowerBound) to \(range.upperBound) (got \"\(v)\")")
            }
            return n
        }
        if let n = try int("MUNIM_WORKER_CONCURRENCY", 1...64) { c.workerConcurrency = n }
        if let n = try int("MUNIM_WORKER_POLL_MS", 50...60_000) { c.workerPollMilliseconds = n }
        if let n = try int("MUNIM_PROVIDER_CONCURRENCY", 1...64) { c.providerConcurrency = n }
        if let n = try int("MUNIM_IDEMPOTENCY_LEASE_SECONDS", 1...3600) { c.idempotencyLeaseSeconds = n }
        if let v = value("MUNIM_TEST_HOOKS") { c.testHooks = parseBool(v) ?? false }
        if let n = try int("MUNIM_OUTBOX_MAX_ATTEMPTS", 1...50) { c.outboxMaxAttempts = n }
        if let n = try int("MUNIM_WORKFLOW_CONCURRENCY", 1...1000) { c.workflowConcurrency = n }
        if let n = try int("MUNIM_STEP_LEASE_SECONDS", 5...3600) { c.stepLeaseSeconds = n }
        if let n = try int("MUNIM_HOOK_RESPONSE_TIMEOUT_MS", 0...60_000) { c.hookResponseTimeoutMilliseconds = n }
        if let n = try int("MUNIM_DB_CONNECTIONS_PER_LOOP", 1...64) { c.databasePoolPerEventLoop = n }
        if let n = try int("MUNIM_PROVIDER_TIMEOUT_S", 1...600) { c.providerTimeoutSeconds = n }
        func url(_ name: String) throws -> String? {
            guard let v = value(name) else { return nil }
            guard let u = URL(string: v), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
                throw Invalid(variable: name, problem: "must be an absolute http(s) URL")
            }
            return v.hasSuffix("/") ? String(v.dropLast()) : v
        }
        if let v = try url("MUNIM_TWILIO_API_URL") { c.twilioAPIURL = v }
        if let v = try url("MUNIM_TWILIO_CONTENT_URL") { c.twilioContentURL = v }
        if let v = try url("MUNIM_BLUESKY_SERVICE_URL") { c.blueskyServiceURL = v }
        if let v = try url("MUNIM_INSTAGRAM_GRAPH_URL") { c.instagramGraphURL = v }
        if let v = try url("MUNIM_RAZORPAY_API_URL") { c.razorpayAPIURL = v }
        if let v = try url("MUNIM_SHIPROCKET_API_URL") { c.shiprocketAPIURL = v }
        if let v = try url("MUNIM_GOOGLE_SHEETS_URL") { c.googleSheetsURL = v }
        if let v = try url("MUNIM_GOOGLE_TOKEN_URL") { c.googleTokenURL = v }
        if let v = value("MUNIM_ALLOW_PRIVATE_HTTP") {
            guard let b = parseBool(v) else { throw Invalid(variable: "MUNIM_ALLOW_PRIVATE_HTTP", problem: "must be true or false (got \"\(v)\")") }
            c.allowPrivateHTTP = b
        }
        if let v = value("MUNIM_SMTP_URL") {
            switch SMTPSettings.parse(v, from: value("MUNIM_SMTP_FROM")) {
            case .success(let settings): c.smtp = settings
            case .failure(let e): throw Invalid(variable: "MUNIM_SMTP_URL", problem: e.problem)
            }
        }
        if let v = value("MUNIM_LOG_FORMAT") {
            guard ["text", "json"].contains(v.lowercased()) else { throw Invalid(variable: "MUNIM_LOG_FORMAT", problem: "must be text or json (got \"\(v)\")") }
            c.logJSON = v.lowercased() == "json"
        }
        return c
    }

    static func parseDatabaseURL(_ raw: String) throws -> DatabaseKind {
        let lower = raw.lowercased()
        if lower.hasPrefix("sqlite://") {
            let path = String(raw.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1, !path.hasSuffix("/") else {
                throw Invalid(variable: "DATABASE_URL", problem: "must name an absolute SQLite file, e.g. sqlite:///var/lib/munim/munim.sqlite")
            }
            return .sqlite(path: path)
        }
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            guard let u = URL(string: raw), let host = u.host, !host.isEmpty, u.user != nil else {
                throw Invalid(variable: "DATABASE_URL", problem: "is not a valid postgres://user:password@host:port/database URL")
            }
            if let p = u.port, !(1...65535).contains(p) {
                throw Invalid(variable: "DATABASE_URL", problem: "has a port out of range")
            }
            return .postgres(url: raw)
        }
        throw Invalid(variable: "DATABASE_URL", problem: "must start with sqlite:/// or postgres://")
    }

    static func parseBool(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: return nil
        }
    }

    static func parseByteSize(_ v: String) -> Int? {
        let s = v.lowercased().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("b", 1)]
        for (suffix, mult) in units where s.hasSuffix(suffix) {
            guard let n = Int(s.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)) else { return nil }
            return n * mult
        }
        return Int(s)
    }

    /// Reads `KEY=VALUE` lines (optional `export `, quotes, `#` comments). Unknown keys are kept;
    /// a malformed line is reported by number, without its content (it may hold a secret).
    public static func readDotEnv(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return [:]
        }
        var out: [String: String] = [:]
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else {
                throw Invalid(variable: "\(path):\(i + 1)", problem: "is not a KEY=VALUE line")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var val = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if val.count >= 2, let f = val.first, let l = val.last, f == l, f == "\"" || f == "'" {
                val = String(val.dropFirst().dropLast())
            } else if let hash = val.range(of: " #") {
                val = val[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            out[key] = val
        }
        return out
    }

    /// The process environment layered over the `.env` file.
    public static func environment() throws -> [String: String] {
        let process = ProcessInfo.processInfo.environment
        let file = process["MUNIM_ENV_FILE"] ?? ".env"
        var merged = try readDotEnv(file)
        for (k, v) in process { merged[k] = v }
        return merged
    }
}
