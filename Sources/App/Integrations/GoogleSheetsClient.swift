import AsyncHTTPClient
import Foundation
import JWTKit
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Google Sheets v4 with a service account (DESIGN §8): a JWT signed RS256 (jwt-kit) is exchanged
/// at the token endpoint for an OAuth access token, cached until shortly before it expires.
struct GoogleSheetsClient: Sendable {
    let transport: ProviderTransport
    let sheetsURL: String
    let tokenURL: String
    let account: GoogleServiceAccount
    let tokens: ProviderTokenCache

    static let scope = "https://www.googleapis.com/auth/spreadsheets"

    typealias Failure = ProviderError

    struct Claims: JWTPayload {
        let iss: IssuerClaim
        let scope: String
        let aud: AudienceClaim
        let iat: IssuedAtClaim
        let exp: ExpirationClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct TokenResponse: Decodable {
        let access_token: String
        let expires_in: Int?
    }

    /// A signed assertion for the token endpoint.
    func assertion(now: Date) async throws -> String {
        let key: Insecure.RSA.PrivateKey
        do { key = try Insecure.RSA.PrivateKey(pem: account.private_key) } catch {
            throw Failure(.google, status: 400, message: "the service account's private_key is not a valid RSA key")
        }
        let keys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256)
        let claims = Claims(iss: .init(value: account.client_email), scope: Self.scope, aud: .init(value: [tokenURL]),
                            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(3600)))
        return try await keys.sign(claims)
    }

    func accessToken(now: Date) async throws -> String {
        if let cached = tokens.token(for: account.client_email, at: now) { return cached }
        let jwt = try await assertion(now: now)
        let form = "grant_type=\(Self.formEscape("urn:ietf:params:oauth:grant-type:jwt-bearer"))&assertion=\(jwt)"
        let (status, data) = try await send(ProviderTransport.Request(
            method: .POST, url: tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Data(form.utf8), operation: "token"))
        guard status == 200, let t = try? JSONDecoder().decode(TokenResponse.self, from: data) else {
            throw Failure(.google, status: status, message: "token exchange failed: \(Self.errorText(data))")
        }
        tokens.store(t.access_token, for: account.client_email, until: now.addingTimeInterval(TimeInterval(max(60, (t.expires_in ?? 3600) - 60))))
        return t.access_token
    }

    func append(spreadsheetID: String, range: String, values: [[JSONValue]], now: Date) async throws -> JSONValue {
        let path = "/v4/spreadsheets/\(Self.pathEscape(spreadsheetID))/values/\(Self.pathEscape(range)):append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS"
        let body = try JSONEncoder().encode(["values": values])
        return try await call(.POST, path, body: body, now: now)
    }

    func read(spreadsheetID: String, range: String, now: Date) async throws -> JSONValue {
        try await call(.GET, "/v4/spreadsheets/\(Self.pathEscape(spreadsheetID))/values/\(Self.pathEscape(range))", body: nil, now: now)
    }

    private func call(_ method: HTTPMethod, _ path: String, body: Data?, now: Date) async throws -> JSONValue {
        var token = try await accessToken(now: now)
        for attempt in 0..<2 {
            var request = ProviderTransport.Request(method: method, url: sheetsURL + path, headers: [("Authorization", "Bearer \(token)")],
                                                    operation: method == .GET ? "read" : "append")
            if let body {
                request.headers.append(("Content-Type", "application/json"))
                request.body = body
            }
            let (status, data) = try await send(request)
            if status == 401 && attempt == 0 {
                // The cached token was revoked or expired early: one fresh exchange.
                tokens.drop(account.client_email)
                token = try await accessToken(now: now)
                continue
            }
            guard (200..<300).contains(status) else { throw Failure(.google, status: status, message: Self.errorText(data)) }
            return (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .object([:])
        }
        throw Failure(.google, status: 401, message: "the access token was refused")
    }

    private func send(_ request: ProviderTransport.Request) async throws -> (Int, Data) {
        let reply = try await transport.send(request)
        return (reply.status, reply.body)
    }

    static func errorText(_ data: Data) -> String {
        if let v = try? JSONDecoder().decode(JSONValue.self, from: data) {
            if case .string(let m)? = v["error"]?["message"] { return String(m.prefix(300)) }
            if case .string(let m)? = v["error_description"] { return String(m.prefix(300)) }
            if case .string(let m)? = v["error"] { return String(m.prefix(300)) }
        }
        return String(decoding: data.prefix(200), as: UTF8.self)
    }

    static func pathEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!:")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func formEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
