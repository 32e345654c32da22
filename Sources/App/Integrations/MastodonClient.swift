import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A small client for the Mastodon REST API, which Pixelfed also speaks: the account check,
/// mentions, statuses and media (DESIGN §6, §8). One instance per connected account.
struct MastodonClient: Sendable {
    let transport: ProviderTransport
    /// The instance, e.g. https://mastodon.social or https://pixelfed.social.
    let instanceURL: String
    let accessToken: String

    init(transport: ProviderTransport, instanceURL: String, accessToken: String) {
        self.transport = transport
        self.instanceURL = instanceURL.hasSuffix("/") ? String(instanceURL.dropLast()) : instanceURL
        self.accessToken = accessToken
    }

    /// An API error: the HTTP status and the instance's `error` text. Never holds the token.
    typealias Failure = ProviderError

    // MARK: models (snake_case on the wire)

    struct Account: Codable, Sendable, Equatable {
        let id: String
        let username: String
        /// "user" for a local account, "user@domain" for a remote one.
        let acct: String
        let displayName: String
    }

    struct Status: Codable, Sendable, Equatable {
        let id: String
        /// HTML, as the instance renders it; see `plainText(fromHTML:)`.
        let content: String?
        let inReplyToId: String?
        let visibility: String?
        let url: String?
        let account: Account?
    }

    struct Notification: Codable, Sendable, Equatable {
        let id: String
        let type: String
        let createdAt: String
        let account: Account
        let status: Status?
    }

    struct MediaAttachment: Codable, Sendable, Equatable {
        let id: String
        let type: String
        /// nil while the instance is still processing the upload (HTTP 202).
        let url: String?
        let previewUrl: String?
        let description: String?
    }

    enum Visibility: String, Codable, Sendable {
        case `public`, unlisted, `private`, direct
    }

    // MARK: account

    /// GET /api/v1/accounts/verify_credentials: proves the token works and names the account.
    func verifyCredentials() async throws -> Account {
        try await json(Account.self, .GET, "/api/v1/accounts/verify_credentials")
    }

    // MARK: mentions

    /// Mentions newer than `sinceID`, oldest first, so the caller can store the last id as its
    /// cursor after handling each one. Pages forward with `min_id` (the items immediately after
    /// the cursor) and also sends `since_id`, which an instance without `min_id` falls back to;
    /// stops after `maxPages` pages, and the next poll continues from where this one stopped.
    /// Without a cursor (a newly connected account) it returns only the newest page.
    func mentions(sinceID: String?, limit: Int = 40, maxPages: Int = 10) async throws -> [Notification] {
        var collected: [Notification] = []
        var cursor = sinceID
        for _ in 0..<(sinceID == nil ? 1 : max(1, maxPages)) {
            var query = [("types[]", "mention"), ("limit", String(limit))]
            if let cursor { query += [("since_id", cursor), ("min_id", cursor)] }
            // Each page comes newest first.
            let page = try await json([Notification].self, .GET, "/api/v1/notifications", query: query)
            // The type is checked again here: an instance that ignores `types[]` sends everything.
            collected += page.reversed().filter { n in n.type == "mention" && !collected.contains { $0.id == n.id } }
            guard page.count >= limit, let newest = page.first?.id, newest != cursor else { break }
            cursor = newest
        }
        return collected
    }

    /// Mastodon sends status text as sanitized HTML. This turns it into plain text: tags are
    /// dropped, <br> becomes a line break and a paragraph end a blank line, entities are decoded.
    /// It tolerates broken markup (a stray "<" stays as text).
    static func plainText(fromHTML html: String) -> String {
        var out = ""
        var i = html.startIndex
        while i < html.endIndex {
            let c = html[i]
            if c == "<", let close = tagEnd(html, from: i) {
                let tag = html[html.index(after: i)..<close].trimmingCharacters(in: .whitespaces).lowercased()
                let name = tag.split(whereSeparator: { $0 == " " || $0 == "/" || $0 == "\t" || $0 == "\n" }).first.map(String.init) ?? ""
                if name == "br" {
                    out += "\n"
                } else if tag.hasPrefix("/") && ["p", "div", "li", "blockquote"].contains(name) {
                    out += "\n\n"
                }
                i = html.index(after: close)
            } else if c == "&", let semi = html[i...].prefix(12).firstIndex(of: ";"),
                      let decoded = decodeEntity(String(html[html.index(after: i)..<semi])) {
                out += decoded
                i = html.index(after: semi)
            } else {
                out.append(c)
                i = html.index(after: i)
            }
        }
        // At most one blank line in a row, and none at the ends.
        while out.contains("\n\n\n") { out = out.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Where the tag opening at `start` ends: a "<" starts a tag only when a letter, "/" or "!"
    /// follows and a ">" comes before any other "<".
    private static func tagEnd(_ html: String, from start: String.Index) -> String.Index? {
        let next = html.index(after: start)
        guard next < html.endIndex, html[next].isLetter || html[next] == "/" || html[next] == "!" else { return nil }
        guard let close = html[next...].firstIndex(where: { $0 == ">" || $0 == "<" }), html[close] == ">" else { return nil }
        return close
    }

    private static func decodeEntity(_ entity: String) -> String? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return " "
        default:
            guard entity.hasPrefix("#") else { return nil }
            let digits = entity.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
    }

    // MARK: statuses

    private struct StatusRequest: Encodable {
        let status: String
        let inReplyToId: String?
        let mediaIds: [String]?
        let visibility: Visibility?
    }

    /// POST /api/v1/statuses. The Idempotency-Key makes a retry return the status already
    /// created instead of posting twice (the instance remembers keys for an hour).
    func postStatus(text: String, inReplyToID: String? = nil, mediaIDs: [String] = [], visibility: Visibility? = nil, idempotencyKey: String) async throws -> Status {
        let body = StatusRequest(status: text, inReplyToId: inReplyToID, mediaIds: mediaIDs.isEmpty ? nil : mediaIDs, visibility: visibility)
        let data = try Self.encoder.encode(body)
        return try await json(Status.self, .POST, "/api/v1/statuses", body: (data, "application/json"), headers: [("Idempotency-Key", idempotencyKey)])
    }

    // MARK: media

    /// POST /api/v2/media (multipart). A 202 means the instance is still processing the file:
    /// the attachment's `url` is nil until it is done, but its id can already go on a status.
    func uploadMedia(data: Data, filename: String, contentType: String, description: String? = nil) async throws -> MediaAttachment {
        let boundary = "munim-\(UUID().uuidString)"
        var body = Data()
        let safeName = filename.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n".utf8))
        if let description {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n\(description)\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return try await json(MediaAttachment.self, .POST, "/api/v2/media", body: (body, "multipart/form-data; boundary=\(boundary)"))
    }

    // MARK: transport

    private static var encoder: JSONEncoder { ProviderTransport.snakeEncoder }
    private static var decoder: JSONDecoder { ProviderTransport.snakeDecoder }

    private struct APIError: Decodable { let error: String?; let errorDescription: String? }

    private func json<T: Decodable>(_ type: T.Type, _ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
                                    body: (Data, String)? = nil, headers: [(String, String)] = []) async throws -> T {
        let (status, data) = try await send(method, path, query: query, body: body, headers: headers)
        guard (200..<300).contains(status) else {
            let decoded = try? Self.decoder.decode(APIError.self, from: data)
            var message = String([decoded?.error, decoded?.errorDescription].compactMap { $0 }.joined(separator: ": ").prefix(300))
            if !accessToken.isEmpty { message = message.replacingOccurrences(of: accessToken, with: "[redacted]") }
            throw Failure(.mastodon, status: status, message: message, operation: path)
        }
        do {
            return try Self.decoder.decode(T.self, from: data)
        } catch {
            throw Failure(.mastodon, status: status, message: "the reply was not the expected JSON", operation: path)
        }
    }

    /// GETs, and POSTs that carry an Idempotency-Key, are retried once on a network error or a
    /// 5xx; a multipart upload is not (the outbox retries it later).
    private func send(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: (Data, String)?, headers: [(String, String)]) async throws -> (Int, Data) {
        var url = instanceURL + path
        if !query.isEmpty { url += "?" + ProviderTransport.query(query) }
        let idempotent = method == .GET || headers.contains { $0.0 == "Idempotency-Key" }
        var request = ProviderTransport.Request(method: method, url: url,
                                                headers: [("Accept", "application/json"), ("Authorization", "Bearer \(accessToken)")] + headers,
                                                retries: idempotent ? 1 : 0, operation: path)
        if let (data, contentType) = body {
            request.headers.append(("Content-Type", contentType))
            request.body = data
        }
        let reply = try await transport.send(request)
        return (reply.status, reply.body)
    }

}
