import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Shiprocket's external API (DESIGN §8): `POST /v1/external/auth/login` with the API user's email
/// and password gives a bearer token (valid for days), cached per account and renewed on a 401.
struct ShiprocketClient: Sendable {
    let transport: ProviderTransport
    let baseURL: String
    let email: String
    let password: String
    let tokens: ProviderTokenCache

    typealias Failure = ProviderError

    func login() async throws -> String {
        let body = try JSONEncoder().encode(["email": email, "password": password])
        let (status, data) = try await send(.POST, "/v1/external/auth/login", body: body, token: nil)
        guard status == 200, case .string(let token)? = (try? JSONDecoder().decode(JSONValue.self, from: data))?["token"] else {
            throw Failure(.shiprocket, status: status, message: "login failed: \(Self.errorText(data))")
        }
        tokens.store(token, for: email)
        return token
    }

    func createOrder(_ order: JSONValue) async throws -> JSONValue {
        try await call(.POST, "/v1/external/orders/create/adhoc", body: try JSONEncoder().encode(order))
    }

    func track(awb: String) async throws -> JSONValue {
        guard !awb.isEmpty, awb.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw Failure(.shiprocket, status: 400, message: "not an AWB number")
        }
        return try await call(.GET, "/v1/external/courier/track/awb/\(awb)", body: nil)
    }

    private func call(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> JSONValue {
        var token: String
        if let cached = tokens.token(for: email) { token = cached } else { token = try await login() }
        for attempt in 0..<2 {
            let (status, data) = try await send(method, path, body: body, token: token)
            if status == 401 && attempt == 0 {
                tokens.drop(email)
                token = try await login()
                continue
            }
            guard (200..<300).contains(status) else { throw Failure(.shiprocket, status: status, message: Self.errorText(data)) }
            return (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .object([:])
        }
        throw Failure(.shiprocket, status: 401, message: "the token was refused")
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data?, token: String?) async throws -> (Int, Data) {
        var request = ProviderTransport.Request(method: method, url: baseURL + path, headers: [("Accept", "application/json")], operation: path)
        if let token { request.headers.append(("Authorization", "Bearer \(token)")) }
        if let body {
            request.headers.append(("Content-Type", "application/json"))
            request.body = body
        }
        let reply = try await transport.send(request)
        return (reply.status, reply.body)
    }

    static func errorText(_ data: Data) -> String {
        if let v = try? JSONDecoder().decode(JSONValue.self, from: data), case .string(let m)? = v["message"] { return String(m.prefix(300)) }
        return String(decoding: data.prefix(200), as: UTF8.self)
    }
}

/// Access tokens of providers that log in (Google service accounts, Shiprocket), per account,
/// shared by every step of this process; a token without an expiry lasts until dropped.
final class ProviderTokenCache: Sendable {
    private let tokens = NIOLockedValueBox<[String: (token: String, until: Date?)]>([:])

    func token(for account: String, at now: Date = Date()) -> String? {
        tokens.withLockedValue { t in t[account].flatMap { $0.until.map { $0 > now } ?? true ? $0.token : nil } }
    }

    func store(_ token: String, for account: String, until: Date? = nil) {
        tokens.withLockedValue { $0[account] = (token, until) }
    }

    func drop(_ account: String) {
        tokens.withLockedValue { _ = $0.removeValue(forKey: account) }
    }
}
