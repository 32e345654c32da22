import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Twilio's REST API v2010 for WhatsApp messages (DESIGN §8), and its webhook signature scheme.
struct TwilioClient: Sendable {
    let transport: ProviderTransport
    let baseURL: String
    let accountSID: String
    let authToken: String

    /// A Twilio error reply: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
    typealias Failure = ProviderError

    struct MessageResource: Decodable, Sendable {
        let sid: String
        let status: String?
        let error_code: Int?
        let error_message: String?
    }

    struct AccountResource: Decodable, Sendable {
        let sid: String
        let friendly_name: String?
        let status: String?
    }

    struct ErrorBody: Decodable {
        let code: Int?
        let message: String?
    }

    private var authorization: String {
        "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
    }

    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded). With `contentSID`
    /// the message is that approved template with `contentVariables` (JSON) filled in, and no
    /// Body or MediaUrl (the template carries its own text and media).
    func sendMessage(from: String?, messagingServiceSID: String?, to: String, body: String, mediaURL: String?,
                     contentSID: String? = nil, contentVariables: String? = nil,
                     statusCallback: String?) async throws -> MessageResource {
        var fields: [(String, String)] = [("To", to)]
        if let messagingServiceSID { fields.append(("MessagingServiceSid", messagingServiceSID)) }
        if let from { fields.append(("From", from)) }
        if let contentSID {
            fields.append(("ContentSid", contentSID))
            if let contentVariables { fields.append(("ContentVariables", contentVariables)) }
        } else {
            if !body.isEmpty { fields.append(("Body", body)) }
            if let mediaURL { fields.append(("MediaUrl", mediaURL)) }
        }
        if let statusCallback { fields.append(("StatusCallback", statusCallback)) }
        return try await call(.POST, "/2010-04-01/Accounts/\(accountSID)/Messages.json", form: fields, as: MessageResource.self)
    }

    /// One template of the account's Content API with its WhatsApp approval status.
    struct ContentTemplate: Codable, Sendable, Equatable {
        let sid: String
        let name: String
        let language: String?
        /// The first text found in its content types (twilio/text body, a card's title…).
        let body: String?
        /// Its placeholders with their sample values: `{"1": "Ramesh"}`.
        let variables: [String: String]
        /// approved, pending, received, rejected, paused, disabled or unsubmitted.
        let status: String
        let category: String?
        let rejectionReason: String?
    }

    private struct ContentPage: Decodable {
        struct Item: Decodable {
            let sid: String?
            let friendly_name: String?
            let language: String?
            let variables: [String: JSONValue]?
            let types: [String: JSONValue]?
            let approval_requests: ApprovalRequests?
        }
        struct ApprovalRequests: Decodable {
            let status: String?
            let category: String?
            let rejection_reason: String?
        }
        struct Meta: Decodable { let next_page_url: String? }
        let contents: [Item]?
        let meta: Meta?
    }

    /// `GET {content}/v1/ContentAndApprovals`: the account's templates with their WhatsApp
    /// approval status, following `meta.next_page_url` for at most `maxPages` pages of 100.
    func listContentAndApprovals(contentURL: String, maxPages: Int = 5) async throws -> [ContentTemplate] {
        var url: String? = contentURL + "/v1/ContentAndApprovals?PageSize=100"
        var out: [ContentTemplate] = []
        var pages = 0
        while let next = url, pages < maxPages {
            pages += 1
            let page = try await call(.GET, absolute: next, form: nil, as: ContentPage.self)
            for item in page.contents ?? [] {
                guard let sid = item.sid else { continue }
                var body: String? = nil
                for key in (item.types ?? [:]).keys.sorted() {
                    if let b = item.types?[key]?["body"]?.stringValue ?? item.types?[key]?["title"]?.stringValue { body = b; break }
                }
                out.append(ContentTemplate(sid: sid, name: item.friendly_name ?? sid, language: item.language, body: body,
                                           variables: (item.variables ?? [:]).mapValues { $0.stringValue ?? $0.text },
                                           status: item.approval_requests?.status ?? "unsubmitted",
                                           category: item.approval_requests?.category,
                                           rejectionReason: item.approval_requests?.rejection_reason.flatMap { $0.isEmpty ? nil : $0 }))
            }
            // Follow the next page only on the same host: the credentials go nowhere else.
            url = page.meta?.next_page_url.flatMap { n in
                URLComponents(string: n)?.host == URLComponents(string: contentURL)?.host ? n : nil
            }
        }
        return out
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}.json`: verifies the credentials.
    func fetchAccount() async throws -> AccountResource {
        try await call(.GET, "/2010-04-01/Accounts/\(accountSID).json", form: nil, as: AccountResource.self)
    }

    /// `GET {MediaUrl}`: the media of an inbound message, with the account's Basic credentials
    /// (Twilio can require them on media URLs). The credentials go only to the API's own host: a
    /// URL elsewhere is refused, never fetched with them. Returns the bytes and their content type.
    func fetchMedia(url: String, maxBytes: Int) async throws -> (data: Data, contentType: String?) {
        let base = URLComponents(string: baseURL)
        guard let target = URLComponents(string: url), let base,
              target.scheme?.lowercased() == base.scheme?.lowercased(), target.host?.lowercased() == base.host?.lowercased(),
              target.port == base.port else {
            throw Failure(.twilio, status: nil, code: "ForeignMediaURL", message: "the media URL is not on Twilio's API host (\(base?.host ?? baseURL))", operation: "media")
        }
        let reply = try await transport.send(.init(method: .GET, url: url, headers: [("Authorization", authorization)],
                                                   retries: 1, operation: "media", maxResponseBytes: maxBytes))
        guard reply.ok else {
            let e = try? JSONDecoder().decode(ErrorBody.self, from: reply.body)
            throw Failure(.twilio, status: reply.status, code: ProviderCode.ofNumber(e?.code), message: e?.message ?? "HTTP \(reply.status)",
                          operation: "media")
        }
        return (reply.body, reply.contentType)
    }

    private func call<T: Decodable>(_ method: HTTPMethod, _ path: String, form: [(String, String)]?, as: T.Type) async throws -> T {
        try await call(method, absolute: baseURL + path, form: form, as: T.self)
    }

    private func call<T: Decodable>(_ method: HTTPMethod, absolute url: String, form: [(String, String)]?, as: T.Type) async throws -> T {
        var request = ProviderTransport.Request(method: method, url: url,
                                                headers: [("Authorization", authorization), ("Accept", "application/json")])
        if let form {
            request.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            request.body = Data(Self.formEncode(form).utf8)
        }
        let reply = try await transport.send(request)
        guard reply.ok else {
            let e = try? JSONDecoder().decode(ErrorBody.self, from: reply.body)
            throw Failure(.twilio, status: reply.status, code: ProviderCode.ofNumber(e?.code),
                          message: e?.message ?? "HTTP \(reply.status)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: reply.body)
        } catch {
            throw Failure(.twilio, status: reply.status, message: "unexpected reply from Twilio")
        }
    }

    /// `application/x-www-form-urlencoded` per the HTML spec (space as +), as Twilio expects.
    static func formEncode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        func enc(_ s: String) -> String {
            s.unicodeScalars.map { scalar -> String in
                if scalar == " " { return "+" }
                if scalar.isASCII, allowed.contains(scalar) { return String(scalar) }
                return String(scalar).utf8.map { String(format: "%%%02X", $0) }.joined()
            }.joined()
        }
        return fields.map { "\(enc($0.0))=\(enc($0.1))" }.joined(separator: "&")
    }

    /// Parses a form body into ordered pairs, decoding `+` and percent escapes (UTF-8).
    static func formDecode(_ body: String) -> [(String, String)] {
        body.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            let eq = pair.firstIndex(of: UInt8(ascii: "="))
            let name = eq.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let value = eq.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            return (formComponent(name), formComponent(value))
        }
    }

    /// One form component: `+` is a space, `%XX` a byte. Like Foundation's `removingPercentEncoding`
    /// (which it replaces on this hot path), a malformed escape or escaped bytes that are not UTF-8
    /// leave the text as sent (with `+` as spaces).
    static func formComponent(_ raw: Substring.UTF8View) -> String {
        guard raw.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(Substring(raw)) }
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        let plain = Array(raw).map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }
        var out: [UInt8] = []
        out.reserveCapacity(plain.count)
        var i = 0
        while i < plain.count {
            if plain[i] == UInt8(ascii: "%") {
                guard i + 2 < plain.count, let h = hex(plain[i + 1]), let l = hex(plain[i + 2]) else {
                    return String(decoding: plain, as: UTF8.self)
                }
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(plain[i])
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self) ?? String(decoding: plain, as: UTF8.self)
    }

    /// Twilio's signature: base64(HMAC-SHA1(authToken, url + each POST parameter name followed by
    /// its value, sorted by name)). https://www.twilio.com/docs/usage/security#validating-requests
    static func signature(authToken: String, url: String, params: [(String, String)]) -> String {
        var data = url
        for (k, v) in params.sorted(by: { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }) {
            data += k + v
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(data.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Validates against the URL as given and with the default port added or removed, as Twilio's
    /// own helper libraries do (a proxy may or may not keep the port). Constant-time comparison.
    static func isValid(signature: String, authToken: String, url: String, params: [(String, String)]) -> Bool {
        // The URL as given first: the usual case needs one HMAC.
        if Tokens.equal(Self.signature(authToken: authToken, url: url, params: params), signature) { return true }
        var candidates: [String] = []
        if var c = URLComponents(string: url) {
            if c.port == nil {
                c.port = c.scheme == "https" ? 443 : 80
                if let s = c.string { candidates.append(s) }
            } else if (c.scheme == "https" && c.port == 443) || (c.scheme == "http" && c.port == 80) {
                c.port = nil
                if let s = c.string { candidates.append(s) }
            }
        }
        var ok = false
        for u in candidates where Tokens.equal(Self.signature(authToken: authToken, url: u, params: params), signature) {
            ok = true
        }
        return ok
    }
}

/// Twilio's request signing for tools outside the module (the webhook benchmark).
public enum TwilioSigning {
    public static func signature(authToken: String, url: String, params: [(String, String)]) -> String {
        TwilioClient.signature(authToken: authToken, url: url, params: params)
    }

    public static func formEncode(_ fields: [(String, String)]) -> String { TwilioClient.formEncode(fields) }
}
