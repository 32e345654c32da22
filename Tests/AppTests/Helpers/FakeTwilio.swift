@testable import App
import Foundation
import Testing
import Vapor

/// A local server speaking Twilio's REST API v2010 (Messages.json create, Account fetch) with
/// real response shapes, basic-auth checks and scriptable failures. It records every request's
/// form pairs (for the spec check) and the StatusCallback each message asked for.
final class FakeTwilio: @unchecked Sendable {
    static let accountSID = "AC" + String(repeating: "a1", count: 16)
    static let authToken = "0123456789abcdef0123456789abcdef"

    struct Sent: Sendable {
        let sid: String
        let form: [(String, String)]
        func value(_ key: String) -> String? { form.first { $0.0 == key }?.1 }
    }

    private let lock = NSLock()
    private var _sent: [Sent] = []
    private var _responses: [Data] = []
    /// Statuses to answer with before succeeding (e.g. [503, 503] or [400]).
    private var failures: [UInt] = []
    private(set) var app: Application!
    private(set) var baseURL = ""

    /// Media of inbound messages, by media SID: what `GET …/Messages/{MM}/Media/{ME}` serves.
    private var _media: [String: (data: Data, contentType: String)] = [:]
    private var _mediaRequests = 0
    private var _refuseMedia = false

    var sent: [Sent] { lock.withLock { _sent } }
    var mediaRequests: Int { lock.withLock { _mediaRequests } }
    /// Media answers 401 as if the credentials were wrong (the auth token was rotated at Twilio).
    func refuseMedia(_ on: Bool) { lock.withLock { _refuseMedia = on } }

    /// Stores media and returns its URL as Twilio gives it in `MediaUrl0`.
    func addMedia(_ data: Data, contentType: String) -> String {
        let sid = "ME" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        lock.withLock { _media[sid] = (data, contentType) }
        return "\(baseURL)/2010-04-01/Accounts/\(Self.accountSID)/Messages/MM\(String(repeating: "0", count: 32))/Media/\(sid)"
    }
    var responses: [Data] { lock.withLock { _responses } }

    /// The account's Content templates as `GET /v1/ContentAndApprovals` lists them (two per page).
    private var _contents: [[String: Any]] = []
    private var _contentRequests = 0
    var contentRequests: Int { lock.withLock { _contentRequests } }
    func addContent(sid: String, name: String, language: String, body: String, status: String, variables: [String: String] = ["1": "Ramesh"]) {
        let item: [String: Any] = [
            "sid": sid, "account_sid": Self.accountSID, "friendly_name": name, "language": language, "variables": variables,
            "types": ["twilio/text": ["body": body]], "date_created": "2026-11-01T10:00:00Z", "date_updated": "2026-11-01T10:00:00Z",
            "url": "https://content.twilio.com/v1/Content/\(sid)",
            "approval_requests": ["name": name, "category": "UTILITY", "content_type": "twilio/text", "status": status,
                                  "rejection_reason": status == "rejected" ? "Variables at the start of the body" : "",
                                  "allow_category_change": true],
        ]
        lock.withLock { _contents.append(item) }
    }

    func failNext(_ statuses: [UInt]) { lock.withLock { failures.append(contentsOf: statuses) } }

    func start() async throws {
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        let expectedAuth = "Basic " + Data("\(Self.accountSID):\(Self.authToken)".utf8).base64EncodedString()
        app.get("2010-04-01", "Accounts", ":sid.json") { req async throws -> Response in
            guard req.headers.first(name: .authorization) == expectedAuth else { return Self.error(401, 20003, "Authenticate") }
            let sid = String((req.parameters.get("sid.json") ?? "").dropLast(5))
            return Self.json(200, ["sid": sid, "friendly_name": "Test account", "status": "active", "type": "Full",
                                   "date_created": "Thu, 24 Aug 2023 05:01:45 +0000"])
        }
        app.post("2010-04-01", "Accounts", ":sid", "Messages.json") { [self] req async throws -> Response in
            guard req.headers.first(name: .authorization) == expectedAuth else { return Self.error(401, 20003, "Authenticate") }
            let failure: UInt? = lock.withLock { failures.isEmpty ? nil : failures.removeFirst() }
            if let failure {
                if failure == 400 { return Self.error(400, 63016, "Failed to send freeform message because you are outside the allowed window.") }
                return Self.error(Int(failure), 20500, "Internal Server Error")
            }
            let body = req.body.data.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
            let form = TwilioClient.formDecode(body)
            let sid = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            func v(_ k: String) -> String? { form.first { $0.0 == k }?.1 }
            let media = form.filter { $0.0 == "MediaUrl" }.count
            let reply: [String: Any] = [
                "account_sid": Self.accountSID, "api_version": "2010-04-01", "body": v("Body") ?? "",
                "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": "Thu, 24 Aug 2023 05:01:45 +0000", "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
                "direction": "outbound-api", "error_code": NSNull(), "error_message": NSNull(), "from": v("From") ?? NSNull(),
                "messaging_service_sid": v("MessagingServiceSid") ?? NSNull(), "num_media": String(media), "num_segments": "1",
                "price": NSNull(), "price_unit": "USD", "sid": sid, "status": "queued",
                "subresource_uris": ["media": "/2010-04-01/Accounts/\(Self.accountSID)/Messages/\(sid)/Media.json"],
                "to": v("To") ?? "", "uri": "/2010-04-01/Accounts/\(Self.accountSID)/Messages/\(sid).json",
            ]
            let data = try JSONSerialization.data(withJSONObject: reply)
            lock.withLock {
                _sent.append(Sent(sid: sid, form: form))
                _responses.append(data)
            }
            let res = Response(status: .created, body: .init(data: data))
            res.headers.contentType = .json
            return res
        }
        // Media of inbound messages; the account's Basic credentials are required (HTTP Basic
        // authentication on media URLs is on by default for new accounts).
        // (The parameter shares its name with the account fetch's: the router needs one name per position.)
        app.get("2010-04-01", "Accounts", ":sid.json", "Messages", ":message", "Media", ":media") { [self] req async throws -> Response in
            let refuse = lock.withLock { _mediaRequests += 1; return _refuseMedia }
            guard !refuse, req.headers.first(name: .authorization) == expectedAuth else { return Self.error(401, 20003, "Authenticate") }
            guard let media = lock.withLock({ _media[req.parameters.get("media") ?? ""] }) else {
                return Self.error(404, 20404, "The requested resource was not found")
            }
            let res = Response(status: .ok, body: .init(data: media.data))
            res.headers.replaceOrAdd(name: .contentType, value: media.contentType)
            return res
        }
        // Twilio's Content API (content.twilio.com in production): templates with approval status,
        // paged by PageToken like the real one, with meta.next_page_url absolute.
        app.get("v1", "ContentAndApprovals") { [self] req async throws -> Response in
            guard req.headers.first(name: .authorization) == expectedAuth else { return Self.error(401, 20003, "Authenticate") }
            let all = lock.withLock { _contentRequests += 1; return _contents }
            let page = Int(req.query[String.self, at: "PageToken"] ?? "0") ?? 0
            let slice = Array(all.dropFirst(page * 2).prefix(2))
            let next: Any = all.count > (page + 1) * 2 ? "\(baseURL)/v1/ContentAndApprovals?PageSize=2&PageToken=\(page + 1)" : NSNull()
            return Self.json(200, ["contents": slice,
                                   "meta": ["page": page, "page_size": 2, "first_page_url": "\(baseURL)/v1/ContentAndApprovals?PageSize=2",
                                            "previous_page_url": NSNull(), "url": "\(baseURL)/v1/ContentAndApprovals?PageSize=2",
                                            "next_page_url": next, "key": "contents"]])
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        self.app = app
        baseURL = "http://127.0.0.1:\(port)"
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let res = Response(status: HTTPResponseStatus(statusCode: status),
                           body: .init(data: (try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
        res.headers.contentType = .json
        return res
    }

    /// Twilio's error body: `{"code", "message", "more_info", "status"}`.
    static func error(_ status: Int, _ code: Int, _ message: String) -> Response {
        json(status, ["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status])
    }

    /// Checks every recorded request and response against the official Twilio document.
    func validateAgainstSpec(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let sent = self.sent, responses = self.responses
        guard !sent.isEmpty else { Issue.record("no Twilio requests recorded", sourceLocation: sourceLocation); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twilio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var requestPaths: [String] = [], responsePaths: [String] = []
        for (i, s) in sent.enumerated() {
            let p = dir.appendingPathComponent("req\(i).json").path
            try JSONSerialization.data(withJSONObject: s.form.map { [$0.0, $0.1] }).write(to: URL(fileURLWithPath: p))
            requestPaths.append(p)
        }
        for (i, r) in responses.enumerated() {
            let p = dir.appendingPathComponent("res\(i).json").path
            try r.write(to: URL(fileURLWithPath: p))
            responsePaths.append(p)
        }
        let spec = URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared/specs/twilio_api_v2010.json").path
        let script = repositoryRoot + "/scripts/check-twilio-request.py"
        let out1 = try await PostgresCluster.run("/usr/bin/env", ["python3", script, spec, "request"] + requestPaths)
        #expect(out1.contains("valid request"), "\(out1)", sourceLocation: sourceLocation)
        let out2 = try await PostgresCluster.run("/usr/bin/env", ["python3", script, spec, "response"] + responsePaths)
        #expect(out2.contains("valid response"), "\(out2)", sourceLocation: sourceLocation)
    }
}

/// Builds Twilio's webhook requests as Twilio does: form body, X-Twilio-Signature over the URL.
struct TwilioSigner {
    let publicBase: String
    let authToken: String

    func signedForm(path: String, _ fields: [(String, String)], token: String? = nil, signURL: String? = nil) -> (body: String, signature: String) {
        let url = signURL ?? (publicBase + path)
        return (TwilioClient.formEncode(fields), TwilioClient.signature(authToken: token ?? authToken, url: url, params: fields))
    }
}
