@testable import App
import Foundation
import Testing
import Vapor

// Local servers that speak Bluesky's XRPC, the Mastodon REST API and the Instagram Graph API
// closely enough for the clients and the app to be tested against them (DESIGN §8): real paths,
// real JSON shapes, real auth checks and error envelopes. Tests inject incoming traffic
// (`injectDM`, `injectMention`) and read what was sent (`sentMessages`, `createdPosts`, ...).

/// One request as a fake server saw it.
struct FakeSocialRequest: Sendable {
    let method: String
    let path: String
    /// The raw (still percent-encoded) query string.
    let query: String
    let headers: [String: String]
    let body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Start/stop, request recording and small JSON helpers shared by the three fakes.
class FakeSocialServer: @unchecked Sendable {
    let lock = NSLock()
    private var _requests: [FakeSocialRequest] = []
    private(set) var app: Application!
    private(set) var port = 0

    /// Every request received, in order.
    var requests: [FakeSocialRequest] { lock.withLock { _requests } }

    /// Subclasses register their routes here with `route(_:_:_:)`.
    func registerRoutes(on app: Application) {}

    func start() async throws {
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        app.logger.logLevel = .warning
        self.app = app
        registerRoutes(on: app)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        port = try #require(app.http.server.shared.localAddress?.port)
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    func route(_ method: HTTPMethod, _ path: [PathComponent], _ handler: @escaping @Sendable (Request, Data) async throws -> Response) {
        app.on(method, path, body: .collect(maxSize: "12mb")) { [self] req async throws -> Response in
            let body = req.body.data.map { Data(buffer: $0) } ?? Data()
            var headers: [String: String] = [:]
            for (name, value) in req.headers { headers[name.lowercased()] = value }
            let recorded = FakeSocialRequest(method: req.method.rawValue, path: req.url.path, query: req.url.query ?? "", headers: headers, body: body)
            lock.withLock { _requests.append(recorded) }
            return try await handler(req, body)
        }
    }

    /// The query as sent, decoded, keeping repeated keys (`types[]`, `members`) in order.
    static func queryItems(_ req: Request) -> [(String, String)] {
        guard let raw = req.url.query, !raw.isEmpty else { return [] }
        return raw.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
            let name = parts[0].removingPercentEncoding ?? parts[0]
            let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
            return (name, value)
        }
    }

    static func query(_ req: Request, _ name: String) -> String? { queryItems(req).first { $0.0 == name }?.1 }

    static func json(_ object: Any) -> Response { json(.ok, object) }

    static func json(_ status: HTTPResponseStatus, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        let response = Response(status: status, body: .init(data: data))
        response.headers.contentType = .json
        return response
    }

    static func object(_ body: Data) -> [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }

    /// A fake clock: each event is one minute after the previous one, from 2026-01-01 UTC.
    private var tick = 0
    func nextDate() -> Date {
        lock.withLock { tick += 1; return Date(timeIntervalSince1970: 1_767_225_600 + Double(tick) * 60) }
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}

// MARK: - Bluesky

/// AT Protocol XRPC on a PDS: sessions with expiring access tokens and rotating refresh
/// tokens, chat through the `atproto-proxy` header, notifications and createRecord.
final class FakeBluesky: FakeSocialServer, @unchecked Sendable {
    let handle = "munimshop.bsky.social"
    let did = "did:plc:munimshop0000000000000"
    let password = "abcd-efgh-ijkl-mnop"
    static let chatProxy = "did:web:api.bsky.chat#bsky_chat"

    struct SentMessage: Sendable, Equatable { let convoId: String; let messageId: String; let text: String }
    struct CreatedPost: Sendable {
        let uri: String
        let cid: String
        let text: String
        let createdAt: String
        let replyRootURI: String?
        let replyParentURI: String?
        /// The request body as sent (repo, collection, record).
        let body: Data
    }

    private struct Message { let id: String; let rev: String; let text: String; let sender: String; let sentAt: Date }
    private struct Convo { let id: String; var members: [String]; var messages: [Message]; var rev: String }
    private struct Note { let uri: String; let cid: String; let authorDID: String; let reason: String; let record: [String: Any]; let indexedAt: Date }

    private var activeAccess: Set<String> = []
    private var expiredAccess: Set<String> = []
    private var activeRefresh: Set<String> = []
    private var revokedRefresh: Set<String> = []
    private var serial = 0
    private var profiles: [String: (handle: String, displayName: String?)] = [:]
    private var convos: [Convo] = []
    private var notes: [Note] = []   // oldest first
    private var _sent: [SentMessage] = []
    private var _posts: [CreatedPost] = []
    private var _refreshes = 0

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var sentMessages: [SentMessage] { lock.withLock { _sent } }
    var createdPosts: [CreatedPost] { lock.withLock { _posts } }
    /// How many times refreshSession succeeded.
    var refreshCount: Int { lock.withLock { _refreshes } }

    override init() {
        super.init()
        profiles[did] = (handle, "Munim Shop")
    }

    private func nextID(_ prefix: String) -> String { serial += 1; return "\(prefix)\(serial)" }

    /// Every access token issued so far stops working: the next authed call gets
    /// 400 {"error":"ExpiredToken"} and the client must refresh.
    func expireAccessTokens() {
        lock.withLock { expiredAccess.formUnion(activeAccess); activeAccess.removeAll() }
    }

    /// A session minted directly, as if the app had logged in earlier.
    func issueSession() -> BlueskySession {
        lock.withLock { issue() }
    }

    private func issue() -> BlueskySession {
        let access = nextID("access-jwt-") + "-" + UUID().uuidString
        let refresh = nextID("refresh-jwt-") + "-" + UUID().uuidString
        activeAccess.insert(access)
        activeRefresh.insert(refresh)
        return BlueskySession(did: did, handle: handle, accessJwt: access, refreshJwt: refresh)
    }

    /// A person (handle → did) the fake knows, e.g. for resolveHandle.
    @discardableResult
    func addProfile(handle: String, displayName: String? = nil) -> String {
        let did = "did:plc:" + handle.lowercased().filter { $0.isLetter || $0.isNumber }
        lock.withLock { profiles[did] = (handle, displayName) }
        return did
    }

    /// An incoming DM from `handle` (created as a profile when new), in the conversation with
    /// that person (created when new).
    @discardableResult
    func injectDM(from handle: String, text: String, displayName: String? = nil) -> (convoId: String, messageId: String) {
        let sender = addProfile(handle: handle, displayName: displayName)
        let date = nextDate()
        return lock.withLock {
            let index = convoIndex(members: [sender])
            let message = Message(id: nextID("msg-"), rev: nextID("rev-"), text: text, sender: sender, sentAt: date)
            convos[index].messages.append(message)
            convos[index].rev = message.rev
            return (convos[index].id, message.id)
        }
    }

    private func convoIndex(members others: [String]) -> Int {
        let wanted = Set(others + [did])
        if let i = convos.firstIndex(where: { Set($0.members) == wanted }) { return i }
        convos.append(Convo(id: nextID("convo-"), members: [did] + others.filter { $0 != did }, messages: [], rev: nextID("rev-")))
        return convos.count - 1
    }

    /// A post by `handle` that mentions the account (reason "mention"), or answers one of its
    /// posts (reason "reply") when `replyTo` is given. Returns the post's uri and cid.
    @discardableResult
    func injectMention(from handle: String, text: String, reason: String = "mention",
                       replyTo: (root: BlueskyClient.StrongRef, parent: BlueskyClient.StrongRef)? = nil) -> BlueskyClient.StrongRef {
        let author = addProfile(handle: handle)
        let date = nextDate()
        return lock.withLock {
            let rkey = nextID("3kpost")
            let ref = BlueskyClient.StrongRef(uri: "at://\(author)/app.bsky.feed.post/\(rkey)", cid: "bafyrei" + rkey)
            var record: [String: Any] = ["$type": "app.bsky.feed.post", "text": text, "createdAt": Self.iso(date), "langs": ["en"]]
            if let replyTo {
                record["reply"] = ["root": ["uri": replyTo.root.uri, "cid": replyTo.root.cid],
                                   "parent": ["uri": replyTo.parent.uri, "cid": replyTo.parent.cid]]
            }
            notes.append(Note(uri: ref.uri, cid: ref.cid, authorDID: author, reason: reason, record: record, indexedAt: date))
            return ref
        }
    }

    private func profileJSON(_ did: String) -> [String: Any] {
        var p: [String: Any] = ["did": did, "handle": profiles[did]?.handle ?? "handle.invalid", "labels": []]
        if let name = profiles[did]?.displayName { p["displayName"] = name }
        return p
    }

    private func messageJSON(_ m: Message) -> [String: Any] {
        ["$type": "chat.bsky.convo.defs#messageView", "id": m.id, "rev": m.rev, "text": m.text,
         "sender": ["did": m.sender], "sentAt": Self.iso(m.sentAt)]
    }

    private func convoJSON(_ c: Convo) -> [String: Any] {
        var j: [String: Any] = ["id": c.id, "rev": c.rev, "members": c.members.map(profileJSON), "muted": false,
                                "status": "accepted", "unreadCount": c.messages.filter { $0.sender != did }.count]
        if let last = c.messages.last { j["lastMessage"] = messageJSON(last) }
        return j
    }

    static func error(_ status: HTTPResponseStatus, _ name: String, _ message: String) -> Response {
        json(status, ["error": name, "message": message])
    }

    /// nil when the bearer is a live access token, else the PDS's answer.
    private func rejectAuth(_ req: Request) -> Response? {
        guard let bearer = req.headers.bearerAuthorization?.token else {
            return Self.error(.unauthorized, "AuthenticationRequired", "Authentication Required")
        }
        return lock.withLock {
            if activeAccess.contains(bearer) { return nil }
            if expiredAccess.contains(bearer) { return Self.error(.badRequest, "ExpiredToken", "Token has expired") }
            return Self.error(.unauthorized, "InvalidToken", "Token could not be verified")
        }
    }

    /// Chat methods only exist behind the proxy header; a PDS does not implement them itself.
    private func rejectChat(_ req: Request) -> Response? {
        if let denied = rejectAuth(req) { return denied }
        guard req.headers.first(name: "atproto-proxy") == Self.chatProxy else {
            return Self.error(.notImplemented, "MethodNotImplemented", "Method Not Implemented")
        }
        return nil
    }

    private func page<T>(_ items: [T], _ req: Request, defaultLimit: Int = 50) -> (slice: [T], cursor: String?) {
        let limit = min(100, max(1, Int(Self.query(req, "limit") ?? "") ?? defaultLimit))
        let start = min(items.count, Int(Self.query(req, "cursor") ?? "") ?? 0)
        let end = min(items.count, start + limit)
        return (Array(items[start..<end]), end < items.count ? String(end) : nil)
    }

    override func registerRoutes(on app: Application) {
        route(.POST, ["xrpc", "com.atproto.server.createSession"]) { [self] _, body in
            let input = Self.object(body) ?? [:]
            let identifier = input["identifier"] as? String
            guard identifier == handle || identifier == did, input["password"] as? String == password else {
                return Self.error(.unauthorized, "AuthenticationRequired", "Invalid identifier or password")
            }
            let s = issueSession()
            return Self.json(["did": s.did, "handle": s.handle, "accessJwt": s.accessJwt, "refreshJwt": s.refreshJwt, "active": true])
        }
        route(.POST, ["xrpc", "com.atproto.server.refreshSession"]) { [self] req, _ in
            let bearer = req.headers.bearerAuthorization?.token ?? ""
            let result: BlueskySession? = lock.withLock {
                guard activeRefresh.remove(bearer) != nil else { return nil }
                revokedRefresh.insert(bearer)
                _refreshes += 1
                return issue()
            }
            guard let s = result else {
                let revoked = lock.withLock { revokedRefresh.contains(bearer) }
                return revoked ? Self.error(.badRequest, "ExpiredToken", "Token has been revoked")
                               : Self.error(.unauthorized, "InvalidToken", "Token could not be verified")
            }
            return Self.json(["did": s.did, "handle": s.handle, "accessJwt": s.accessJwt, "refreshJwt": s.refreshJwt, "active": true])
        }
        route(.GET, ["xrpc", "com.atproto.identity.resolveHandle"]) { [self] req, _ in
            if let denied = rejectAuth(req) { return denied }
            let wanted = Self.query(req, "handle") ?? ""
            let found = lock.withLock { profiles.first { $0.value.handle == wanted }?.key }
            guard let found else { return Self.error(.badRequest, "InvalidRequest", "Unable to resolve handle") }
            return Self.json(["did": found])
        }
        route(.GET, ["xrpc", "chat.bsky.convo.listConvos"]) { [self] req, _ in
            if let denied = rejectChat(req) { return denied }
            let all = lock.withLock { convos.sorted { ($0.messages.last?.sentAt ?? .distantPast) > ($1.messages.last?.sentAt ?? .distantPast) }.map(convoJSON) }
            let (slice, cursor) = page(all, req)
            var out: [String: Any] = ["convos": slice]
            if let cursor { out["cursor"] = cursor }
            return Self.json(out)
        }
        route(.GET, ["xrpc", "chat.bsky.convo.getMessages"]) { [self] req, _ in
            if let denied = rejectChat(req) { return denied }
            let id = Self.query(req, "convoId") ?? ""
            guard let messages = lock.withLock({ convos.first { $0.id == id }?.messages.reversed().map(messageJSON) }) else {
                return Self.error(.badRequest, "InvalidRequest", "Convo not found")
            }
            let (slice, cursor) = page(messages, req)
            var out: [String: Any] = ["messages": slice]
            if let cursor { out["cursor"] = cursor }
            return Self.json(out)
        }
        route(.GET, ["xrpc", "chat.bsky.convo.getConvoForMembers"]) { [self] req, _ in
            if let denied = rejectChat(req) { return denied }
            let members = Self.queryItems(req).filter { $0.0 == "members" }.map(\.1)
            guard !members.isEmpty else { return Self.error(.badRequest, "InvalidRequest", "Error: Params must have the property \"members\"") }
            let unknown = lock.withLock { members.filter { profiles[$0] == nil } }
            guard unknown.isEmpty else { return Self.error(.badRequest, "InvalidRequest", "recipient does not exist") }
            let convo = lock.withLock { convoJSON(convos[convoIndex(members: members)]) }
            return Self.json(["convo": convo])
        }
        route(.POST, ["xrpc", "chat.bsky.convo.sendMessage"]) { [self] req, body in
            if let denied = rejectChat(req) { return denied }
            let input = Self.object(body) ?? [:]
            let convoId = input["convoId"] as? String ?? ""
            guard let text = (input["message"] as? [String: Any])?["text"] as? String, !text.isEmpty else {
                return Self.error(.badRequest, "InvalidRequest", "Input/message/text must be a string")
            }
            let date = nextDate()
            let sent: [String: Any]? = lock.withLock {
                guard let i = convos.firstIndex(where: { $0.id == convoId }) else { return nil }
                let m = Message(id: nextID("msg-"), rev: nextID("rev-"), text: text, sender: did, sentAt: date)
                convos[i].messages.append(m)
                convos[i].rev = m.rev
                _sent.append(SentMessage(convoId: convoId, messageId: m.id, text: text))
                return messageJSON(m)
            }
            guard let sent else { return Self.error(.badRequest, "InvalidRequest", "Convo not found") }
            return Self.json(sent)
        }
        route(.GET, ["xrpc", "app.bsky.notification.listNotifications"]) { [self] req, _ in
            if let denied = rejectAuth(req) { return denied }
            let all: [[String: Any]] = lock.withLock {
                notes.reversed().map { n in
                    ["uri": n.uri, "cid": n.cid, "author": profileJSON(n.authorDID), "reason": n.reason, "record": n.record,
                     "isRead": false, "indexedAt": Self.iso(n.indexedAt), "labels": []]
                }
            }
            let (slice, cursor) = page(all, req)
            var out: [String: Any] = ["notifications": slice, "priority": false]
            if let cursor { out["cursor"] = cursor }
            return Self.json(out)
        }
        route(.POST, ["xrpc", "com.atproto.repo.createRecord"]) { [self] req, body in
            if let denied = rejectAuth(req) { return denied }
            let input = Self.object(body) ?? [:]
            guard input["repo"] as? String == did || input["repo"] as? String == handle else {
                return Self.error(.badRequest, "InvalidRequest", "Invalid repo")
            }
            guard input["collection"] as? String == "app.bsky.feed.post",
                  let record = input["record"] as? [String: Any], record["$type"] as? String == "app.bsky.feed.post",
                  let text = record["text"] as? String, let createdAt = record["createdAt"] as? String else {
                return Self.error(.badRequest, "InvalidRequest", "Invalid app.bsky.feed.post record")
            }
            guard text.count <= 300 else {
                return Self.error(.badRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
            }
            let reply = record["reply"] as? [String: Any]
            let root = (reply?["root"] as? [String: Any])?["uri"] as? String
            let parent = (reply?["parent"] as? [String: Any])?["uri"] as? String
            if reply != nil && (root == nil || parent == nil) {
                return Self.error(.badRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/reply must have the properties \"root\" and \"parent\"")
            }
            let post: CreatedPost = lock.withLock {
                let rkey = nextID("3kmunim")
                let p = CreatedPost(uri: "at://\(did)/app.bsky.feed.post/\(rkey)", cid: "bafyrei" + rkey, text: text, createdAt: createdAt,
                                    replyRootURI: root, replyParentURI: parent, body: body)
                _posts.append(p)
                return p
            }
            return Self.json(["uri": post.uri, "cid": post.cid, "commit": ["cid": "bafyreicommit", "rev": "3kcommit"], "validationStatus": "valid"])
        }
    }
}

// MARK: - Mastodon (and Pixelfed)

/// The Mastodon REST API: verify_credentials, notifications with Mastodon's id paging
/// (since_id, min_id, max_id, limit, types[]), statuses with Idempotency-Key, v2 media.
final class FakeMastodon: FakeSocialServer, @unchecked Sendable {
    let accessToken = "mastodon-test-token-4f1c"
    let accountJSON: [String: Any] = ["id": "109000000000000001", "username": "munimshop", "acct": "munimshop",
                                      "display_name": "Munim Shop", "locked": false, "bot": false, "url": "https://mastodon.example/@munimshop"]

    struct PostedStatus: Sendable, Equatable {
        let id: String
        let status: String
        let inReplyToID: String?
        let mediaIDs: [String]
        let visibility: String
        let idempotencyKey: String?
    }
    struct Upload: Sendable, Equatable {
        let id: String
        let filename: String
        let contentType: String?
        let data: Data
        let description: String?
    }

    private var notifications: [[String: Any]] = []   // ascending id
    private var nextNotificationID = 1000
    private var nextStatusID = 5000
    private var _posted: [PostedStatus] = []
    private var byKey: [String: [String: Any]] = [:]
    private var _uploads: [Upload] = []
    /// When true, v2/media answers 202 with a null url, as for a file still being processed.
    var processMediaAsynchronously = false

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var postedStatuses: [PostedStatus] { lock.withLock { _posted } }
    var uploads: [Upload] { lock.withLock { _uploads } }
    /// The raw query strings of the notification requests, in order.
    var notificationQueries: [String] { requests.filter { $0.path == "/api/v1/notifications" }.map(\.query) }

    /// A mention of the account in a status by `acct`, with HTML content. Returns the notification id.
    @discardableResult
    func injectMention(from acct: String, html: String, statusID: String? = nil, inReplyToID: String? = nil, visibility: String = "public") -> String {
        injectNotification(type: "mention", from: acct, html: html, statusID: statusID, inReplyToID: inReplyToID, visibility: visibility)
    }

    /// Any notification type ("mention", "favourite", "follow", ...). Returns its id.
    @discardableResult
    func injectNotification(type: String, from acct: String, html: String? = nil, statusID: String? = nil, inReplyToID: String? = nil, visibility: String = "public") -> String {
        let date = Self.iso(nextDate())
        return lock.withLock {
            nextNotificationID += 1
            let id = String(nextNotificationID)
            let username = String(acct.split(separator: "@").first ?? "")
            let account: [String: Any] = ["id": "2000\(nextNotificationID)", "username": username, "acct": acct, "display_name": username.capitalized,
                                          "url": "https://remote.example/@\(username)"]
            var n: [String: Any] = ["id": id, "type": type, "created_at": date, "account": account, "group_key": "ungrouped-\(id)"]
            if let html {
                let sid = statusID ?? "11\(nextNotificationID)"
                n["status"] = ["id": sid, "created_at": date, "content": html, "in_reply_to_id": inReplyToID.map { $0 as Any } ?? NSNull(),
                               "visibility": visibility, "url": "https://remote.example/@\(username)/\(sid)", "account": account,
                               "media_attachments": [], "mentions": [["id": accountJSON["id"]!, "username": "munimshop", "acct": "munimshop"]]]
            }
            notifications.append(n)
            return id
        }
    }

    private func rejectAuth(_ req: Request) -> Response? {
        guard req.headers.bearerAuthorization?.token == accessToken else {
            return Self.json(.unauthorized, ["error": "The access token is invalid"])
        }
        return nil
    }

    private static func number(_ id: String?) -> Int? { id.flatMap { Int($0) } }

    /// The bytes of the image `GET /files/photo.jpg` serves: a public image host for media posts.
    static let photo = Data([0xFF, 0xD8, 0xFF, 0xE0] + Array("munim test photo".utf8) + [0xFF, 0xD9])

    override func registerRoutes(on app: Application) {
        route(.GET, ["files", "photo.jpg"]) { _, _ in
            let response = Response(status: .ok, body: .init(data: Self.photo))
            response.headers.contentType = .jpeg
            return response
        }
        route(.GET, ["api", "v1", "accounts", "verify_credentials"]) { [self] req, _ in
            if let denied = rejectAuth(req) { return denied }
            return Self.json(accountJSON)
        }
        route(.GET, ["api", "v1", "notifications"]) { [self] req, _ in
            if let denied = rejectAuth(req) { return denied }
            let items = Self.queryItems(req)
            let types = items.filter { $0.0 == "types[]" }.map(\.1)
            let excluded = items.filter { $0.0 == "exclude_types[]" }.map(\.1)
            let limit = min(80, max(1, Int(Self.query(req, "limit") ?? "") ?? 40))
            let sinceID = Self.number(Self.query(req, "since_id"))
            let minID = Self.number(Self.query(req, "min_id"))
            let maxID = Self.number(Self.query(req, "max_id"))
            var list = lock.withLock { notifications }.filter { n in
                let id = Int(n["id"] as! String)!
                let type = n["type"] as! String
                return (types.isEmpty || types.contains(type)) && !excluded.contains(type)
                    && (maxID.map { id < $0 } ?? true) && (sinceID.map { id > $0 } ?? true) && (minID.map { id > $0 } ?? true)
            }
            // As Mastodon's paginate_by_id: min_id takes the oldest `limit` after the id, else the
            // newest `limit`; the answer is newest first either way.
            if minID != nil { list = Array(list.prefix(limit)).reversed() } else { list = Array(list.reversed().prefix(limit)) }
            return Self.json(list)
        }
        route(.POST, ["api", "v1", "statuses"]) { [self] req, body in
            if let denied = rejectAuth(req) { return denied }
            var fields: [String: Any] = [:]
            if req.headers.contentType == .json {
                fields = Self.object(body) ?? [:]
            } else if req.headers.contentType == .urlEncodedForm {
                var ids: [String] = []
                for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
                    if kv[0] == "media_ids[]" { ids.append(kv.count > 1 ? kv[1] : "") } else { fields[kv[0]] = kv.count > 1 ? kv[1] : "" }
                }
                if !ids.isEmpty { fields["media_ids"] = ids }
            }
            let text = fields["status"] as? String ?? ""
            let mediaIDs = fields["media_ids"] as? [String] ?? []
            let visibility = fields["visibility"] as? String ?? "public"
            guard !text.isEmpty || !mediaIDs.isEmpty else { return Self.json(.unprocessableEntity, ["error": "Validation failed: Text can't be blank"]) }
            guard ["public", "unlisted", "private", "direct"].contains(visibility) else {
                return Self.json(.unprocessableEntity, ["error": "Validation failed: Visibility is not included in the list"])
            }
            let known = lock.withLock { Set(_uploads.map(\.id)) }
            guard mediaIDs.allSatisfy(known.contains) else { return Self.json(.unprocessableEntity, ["error": "Validation failed: Media attachments are invalid"]) }
            let key = req.headers.first(name: "Idempotency-Key")
            let date = Self.iso(nextDate())
            let status: [String: Any] = lock.withLock {
                // Mastodon keeps the status made under an Idempotency-Key and returns it again.
                if let key, let earlier = byKey[key] { return earlier }
                nextStatusID += 1
                let id = String(nextStatusID)
                let html = "<p>" + text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") + "</p>"
                let s: [String: Any] = ["id": id, "uri": "https://mastodon.example/users/munimshop/statuses/\(id)", "url": "https://mastodon.example/@munimshop/\(id)",
                                        "created_at": date, "content": html, "visibility": visibility, "in_reply_to_id": (fields["in_reply_to_id"] as? String).map { $0 as Any } ?? NSNull(),
                                        "media_attachments": mediaIDs.map { ["id": $0, "type": "image"] }, "account": accountJSON]
                _posted.append(PostedStatus(id: id, status: text, inReplyToID: fields["in_reply_to_id"] as? String, mediaIDs: mediaIDs, visibility: visibility, idempotencyKey: key))
                if let key { byKey[key] = s }
                return s
            }
            return Self.json(status)
        }
        route(.POST, ["api", "v2", "media"]) { [self] req, _ in
            if let denied = rejectAuth(req) { return denied }
            struct Form: Content { var file: File?; var description: String? }
            guard let form = try? req.content.decode(Form.self), let file = form.file else {
                return Self.json(.unprocessableEntity, ["error": "Validation failed: File can't be blank"])
            }
            let asynchronous = processMediaAsynchronously
            let upload: Upload = lock.withLock {
                let u = Upload(id: "3100\(_uploads.count + 1)", filename: file.filename, contentType: file.contentType?.serialize(),
                               data: Data(buffer: file.data), description: form.description)
                _uploads.append(u)
                return u
            }
            let url: Any = asynchronous ? NSNull() : "https://files.mastodon.example/media/\(upload.id)/original.jpg"
            return Self.json(asynchronous ? .accepted : .ok, ["id": upload.id, "type": "image", "url": url,
                                                            "preview_url": "https://files.mastodon.example/media/\(upload.id)/small.jpg",
                                                            "description": upload.description.map { $0 as Any } ?? NSNull(), "blurhash": NSNull()])
        }
    }
}

// MARK: - Instagram (Graph API)

/// The Graph API for an Instagram professional account: the account node, conversations
/// with cursor paging, a conversation's messages, the send API and two-step publishing.
/// Errors use Graph's envelope {"error":{"message","type","code","error_subcode","fbtrace_id"}}.
final class FakeInstagram: FakeSocialServer, @unchecked Sendable {
    let version = "v21.0"
    let accountID = "17841400000000001"
    let username = "munimshop"
    private(set) var accessToken = "ig-test-token-EAAG7b"

    struct SentMessage: Sendable, Equatable { let recipientID: String; let messageID: String; let text: String }
    struct Container: Sendable, Equatable { let id: String; let imageURL: String; let caption: String?; var publishedMediaID: String? }

    private struct Msg { let id: String; let created: Date; let fromID: String; let toID: String; let text: String? }
    private struct Conversation { let id: String; let userID: String; let username: String; var messages: [Msg] }

    private var conversations: [Conversation] = []
    private var serial = 0
    private var _sent: [SentMessage] = []
    private var _containers: [Container] = []
    private var failures: [(status: HTTPResponseStatus, body: [String: Any])] = []
    private var expired = false

    var baseURL: String { "http://127.0.0.1:\(port)/\(version)" }
    var sentMessages: [SentMessage] { lock.withLock { _sent } }
    var containers: [Container] { lock.withLock { _containers } }
    var publishedMedia: [Container] { containers.filter { $0.publishedMediaID != nil } }

    private func nextID() -> Int { serial += 1; return serial }

    /// An incoming DM from an Instagram user (IGSID `fromID`); the conversation is created when new.
    @discardableResult
    func injectDM(fromID: String, username: String, text: String) -> (conversationID: String, messageID: String) {
        let date = nextDate()
        return lock.withLock {
            let i = conversationIndex(userID: fromID, username: username)
            let m = Msg(id: "aWdfZAG1faXRlbToxOklH\(nextID())", created: date, fromID: fromID, toID: accountID, text: text)
            conversations[i].messages.append(m)
            return (conversations[i].id, m.id)
        }
    }

    private func conversationIndex(userID: String, username: String) -> Int {
        if let i = conversations.firstIndex(where: { $0.userID == userID }) { return i }
        conversations.append(Conversation(id: "aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6\(nextID())", userID: userID, username: username, messages: []))
        return conversations.count - 1
    }

    /// The next request answers with this Graph error instead.
    func failNext(status: HTTPResponseStatus = .badRequest, code: Int, subcode: Int? = nil, type: String = "OAuthException", message: String) {
        lock.withLock { failures.append((status, Self.graphError(code: code, subcode: subcode, type: type, message: message))) }
    }

    /// The token stops working (code 190, subcode 463), as when a long-lived token expires.
    func expireToken() { lock.withLock { expired = true } }

    static func graphError(code: Int, subcode: Int? = nil, type: String = "OAuthException", message: String) -> [String: Any] {
        var e: [String: Any] = ["message": message, "type": type, "code": code, "fbtrace_id": "AbCdEfGhIjK\(code)"]
        if let subcode { e["error_subcode"] = subcode }
        return ["error": e]
    }

    private static func created(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return f.string(from: date)
    }

    private func reject(_ req: Request) -> Response? {
        if let failure = lock.withLock({ failures.isEmpty ? nil : failures.removeFirst() }) { return Self.json(failure.status, failure.body) }
        guard let token = Self.query(req, "access_token") else {
            return Self.json(.badRequest, Self.graphError(code: 2500, message: "An active access token must be used to query information about the current user."))
        }
        guard token == accessToken else {
            return Self.json(.badRequest, Self.graphError(code: 190, message: "Invalid OAuth access token - Cannot parse access token"))
        }
        if lock.withLock({ expired }) {
            return Self.json(.badRequest, Self.graphError(code: 190, subcode: 463, message: "Error validating access token: Session has expired on Thursday, 01-Jan-26 00:00:00 PST."))
        }
        return nil
    }

    /// Graph takes parameters from the query, a form body or a JSON body alike.
    private static func params(_ req: Request, _ body: Data) -> [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in queryItems(req) where k != "access_token" { out[k] = v }
        if req.headers.contentType == .json, let object = object(body) {
            out.merge(object) { _, new in new }
        } else if req.headers.contentType == .urlEncodedForm {
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
                out[kv[0]] = kv.count > 1 ? kv[1] : ""
            }
        }
        return out
    }

    private static func unknownNode(_ id: String) -> Response {
        json(.badRequest, graphError(code: 100, subcode: 33, type: "GraphMethodException",
                                     message: "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, or does not support this operation"))
    }

    private func messageJSON(_ m: Msg, in c: Conversation) -> [String: Any] {
        func party(_ id: String) -> [String: Any] { ["id": id, "username": id == accountID ? username : c.username] }
        var j: [String: Any] = ["id": m.id, "created_time": Self.created(m.created), "from": party(m.fromID), "to": ["data": [party(m.toID)]]]
        if let text = m.text { j["message"] = text }
        return j
    }

    override func registerRoutes(on app: Application) {
        route(.GET, [.constant(version), ":node"]) { [self] req, _ in
            if let denied = reject(req) { return denied }
            let node = req.parameters.get("node") ?? ""
            let fields = Self.query(req, "fields") ?? "id"
            if node == accountID || node == "me" {
                var j: [String: Any] = ["id": accountID]
                if fields.contains("username") { j["username"] = username }
                return Self.json(j)
            }
            if let reply: [String: Any] = lock.withLock({
                guard let c = conversations.first(where: { $0.id == node }) else { return nil }
                var j: [String: Any] = ["id": c.id]
                if fields.hasPrefix("messages") { j["messages"] = ["data": c.messages.reversed().map { messageJSON($0, in: c) }] }
                return j
            }) { return Self.json(reply) }
            if let container = lock.withLock({ _containers.first { $0.id == node } }) {
                return Self.json(["id": container.id, "status_code": container.publishedMediaID == nil ? "FINISHED" : "PUBLISHED"])
            }
            return Self.unknownNode(node)
        }
        route(.GET, [.constant(version), ":node", "conversations"]) { [self] req, _ in
            if let denied = reject(req) { return denied }
            guard req.parameters.get("node") == accountID || req.parameters.get("node") == "me" else { return Self.unknownNode(req.parameters.get("node") ?? "") }
            guard Self.query(req, "platform") == "instagram" else {
                return Self.json(.badRequest, Self.graphError(code: 100, type: "OAuthException", message: "(#100) The parameter platform is required"))
            }
            let limit = min(100, max(1, Int(Self.query(req, "limit") ?? "") ?? 25))
            let start = Self.query(req, "after").flatMap { Data(base64Encoded: $0) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            let all: [[String: Any]] = lock.withLock {
                conversations.sorted { ($0.messages.last?.created ?? .distantPast) > ($1.messages.last?.created ?? .distantPast) }.map { c in
                    ["id": c.id, "updated_time": Self.created(c.messages.last?.created ?? Date(timeIntervalSince1970: 0)),
                     "participants": ["data": [["id": accountID, "username": username], ["id": c.userID, "username": c.username]]]]
                }
            }
            let end = min(all.count, start + limit)
            let slice = start < all.count ? Array(all[start..<end]) : []
            func cursor(_ n: Int) -> String { Data(String(n).utf8).base64EncodedString() }
            var paging: [String: Any] = ["cursors": ["before": cursor(start), "after": cursor(end)]]
            if end < all.count { paging["next"] = "\(baseURL)/\(accountID)/conversations?platform=instagram&limit=\(limit)&after=\(cursor(end))" }
            return Self.json(["data": slice, "paging": paging])
        }
        route(.POST, [.constant(version), ":node", "messages"]) { [self] req, body in
            if let denied = reject(req) { return denied }
            guard req.parameters.get("node") == accountID || req.parameters.get("node") == "me" else { return Self.unknownNode(req.parameters.get("node") ?? "") }
            let p = Self.params(req, body)
            let recipient = (p["recipient"] as? [String: Any])?["id"] as? String
            guard let text = (p["message"] as? [String: Any])?["text"] as? String, !text.isEmpty else {
                return Self.json(.badRequest, Self.graphError(code: 100, type: "OAuthException", message: "(#100) Param message must be non-empty"))
            }
            let date = nextDate()
            let sent: SentMessage? = lock.withLock {
                guard let recipient, let i = conversations.firstIndex(where: { $0.userID == recipient }) else { return nil }
                let m = Msg(id: "aWdfZAG1faXRlbToxOklH\(nextID())", created: date, fromID: accountID, toID: recipient, text: text)
                conversations[i].messages.append(m)
                let s = SentMessage(recipientID: recipient, messageID: m.id, text: text)
                _sent.append(s)
                return s
            }
            guard let sent else {
                return Self.json(.badRequest, Self.graphError(code: 100, subcode: 2_018_001, message: "No matching user found"))
            }
            return Self.json(["recipient_id": sent.recipientID, "message_id": sent.messageID])
        }
        route(.POST, [.constant(version), ":node", "media"]) { [self] req, body in
            if let denied = reject(req) { return denied }
            guard req.parameters.get("node") == accountID else { return Self.unknownNode(req.parameters.get("node") ?? "") }
            let p = Self.params(req, body)
            guard let imageURL = p["image_url"] as? String, imageURL.hasPrefix("https://") || imageURL.hasPrefix("http://") else {
                return Self.json(.badRequest, Self.graphError(code: 100, subcode: 2_207_052, type: "OAuthException", message: "The media could not be fetched from this URI"))
            }
            let container: Container = lock.withLock {
                let c = Container(id: "1790000000\(nextID())", imageURL: imageURL, caption: p["caption"] as? String, publishedMediaID: nil)
                _containers.append(c)
                return c
            }
            return Self.json(["id": container.id])
        }
        route(.POST, [.constant(version), ":node", "media_publish"]) { [self] req, body in
            if let denied = reject(req) { return denied }
            guard req.parameters.get("node") == accountID else { return Self.unknownNode(req.parameters.get("node") ?? "") }
            let creation = Self.params(req, body)["creation_id"] as? String ?? ""
            let media: String? = lock.withLock {
                guard let i = _containers.firstIndex(where: { $0.id == creation && $0.publishedMediaID == nil }) else { return nil }
                let id = "1800000000\(nextID())"
                _containers[i].publishedMediaID = id
                return id
            }
            guard let media else { return Self.json(.badRequest, Self.graphError(code: 9007, subcode: 2_207_027, message: "Media ID is not available")) }
            return Self.json(["id": media])
        }
    }
}
