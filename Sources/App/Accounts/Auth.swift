import Fluent
import Vapor

/// Who is calling: resolved from the session cookie or a Bearer token. Every business-owned query
/// takes `businessID` from here, never from the client (DESIGN §3).
public struct Principal: Sendable {
    public let userID: UUID
    public let businessID: UUID
    public let role: Role
    public let sessionID: UUID?
    public let tokenID: UUID?
    public let csrfToken: String?
    public let mustChangePassword: Bool

    func requireOwner(_ what: String) throws {
        guard role == .owner else {
            throw APIError.forbidden("Only the business owner can \(what).")
        }
    }
}

extension Request {
    private struct PrincipalKey: StorageKey { typealias Value = Principal }

    var principal: Principal {
        get throws {
            guard let p = storage[PrincipalKey.self] else { throw APIError.unauthenticated }
            return p
        }
    }

    func setPrincipal(_ p: Principal) { storage[PrincipalKey.self] = p }

    /// The client IP for rate limiting; proxy headers count only when MUNIM_TRUST_PROXY is set.
    var clientIP: String {
        if application.munimConfig.trustProxy {
            if let real = headers.first(name: "X-Real-IP"), !real.isEmpty { return real }
            if let fwd = headers.first(name: "X-Forwarded-For"),
               let last = fwd.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
                return last
            }
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }
}

enum SessionCookie {
    static let name = "munim_session"

    static func make(_ token: String, config: AppConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, maxAge: config.sessionDays * 86_400, path: "/",
                          isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func expired(config: AppConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
                          isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Authenticates every `/api/v1` route behind it. Cookie-authenticated mutations must carry the
/// session's CSRF token in `X-CSRF-Token`; Bearer-token requests need none (issue 2 "Conventions").
struct AuthMiddleware: AsyncMiddleware {
    /// Routes a user who must change a one-time password may still use.
    static let allowedDuringPasswordChange: Set<String> = [Endpoint.me.pattern, Endpoint.changePassword.pattern, Endpoint.logout.pattern]

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let principal = try await Self.authenticate(req)
        if principal.mustChangePassword && !Self.allowedDuringPasswordChange.contains(req.url.path) {
            throw APIError(.forbidden, "password_change_required", "Set a new password first (POST /api/v1/me/password).")
        }
        req.setPrincipal(principal)
        return try await next.respond(to: req)
    }

    static func authenticate(_ req: Request) async throws -> Principal {
        let now = req.now
        if let bearer = req.headers.bearerAuthorization?.token {
            guard let token = try await APIToken.query(on: req.db)
                .filter(\.$tokenHash == Tokens.hash(bearer))
                .filter(\.$revokedAt == nil)
                .first(), let tokenID = token.id else {
                throw APIError(.unauthorized, "unauthenticated", "The API token is unknown or revoked.")
            }
            // Touch last_used_at at most once a minute: not a write per request.
            if (token.lastUsedAt.map { now.timeIntervalSince($0) > 60 } ?? true) {
                let db = req.db
                try await req.store.write(db) { tx in
                    try await APIToken.query(on: tx).filter(\.$id == tokenID).set(\.$lastUsedAt, to: now).update()
                }
            }
            return Principal(userID: token.userID, businessID: token.businessID, role: .owner,
                             sessionID: nil, tokenID: tokenID, csrfToken: nil, mustChangePassword: false)
        }
        guard let raw = req.cookies[SessionCookie.name]?.string, !raw.isEmpty else {
            throw APIError.unauthenticated
        }
        guard let session = try await WebSession.query(on: req.db)
            .filter(\.$tokenHash == Tokens.hash(raw))
            .filter(\.$expiresAt > now)
            .first(),
              let membership = try await Membership.query(on: req.db)
            .filter(\.$userID == session.userID)
            .filter(\.$businessID == session.businessID)
            .first(),
              let user = try await User.find(session.userID, on: req.db) else {
            throw APIError(.unauthorized, "unauthenticated", "Your session has ended. Please log in again.")
        }
        if ![.GET, .HEAD, .OPTIONS].contains(req.method) {
            guard let sent = req.headers.first(name: "X-CSRF-Token"), Tokens.equal(sent, session.csrfToken) else {
                throw APIError(.forbidden, "csrf_failed", "Missing or wrong X-CSRF-Token header. Reload the page and try again.")
            }
        }
        return Principal(userID: session.userID, businessID: session.businessID, role: membership.role,
                         sessionID: session.id, tokenID: nil, csrfToken: session.csrfToken,
                         mustChangePassword: user.mustChangePassword)
    }
}
