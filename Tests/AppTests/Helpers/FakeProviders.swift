@testable import App
import Foundation
import JWTKit
import Testing
import Vapor

/// One local server speaking the wire formats of the workflow nodes' providers (DESIGN §8):
/// Razorpay payment links (basic auth, reference_id uniqueness), Google's OAuth token endpoint and
/// Sheets v4 values (the JWT assertion is verified RS256 with the service account's public key),
/// Shiprocket (login token, adhoc orders, AWB tracking) and a plain JSON endpoint for the http node.
final class FakeProviders: FakeSocialServer, @unchecked Sendable {
    var base: String { "http://127.0.0.1:\(port)" }
    private var links: [[String: Any]] = []
    private(set) var sheetRows: [[Any]] = []
    private(set) var tokenExchanges = 0
    private(set) var shiprocketLogins = 0
    private(set) var shiprocketOrders: [[String: Any]] = []
    private(set) var echoKeys: [String] = []
    var publicKeyPEM = ""
    let razorpayAuth = "Basic " + Data("rzp_test_key:rzp_secret".utf8).base64EncodedString()

    var paymentLinks: [[String: Any]] { lock.withLock { links } }

    override func registerRoutes(on app: Application) {
        route(.POST, ["v1", "payment_links"]) { [self] req, body in
            guard req.headers.first(name: .authorization) == razorpayAuth else {
                return Self.json(.unauthorized, ["error": ["code": "BAD_REQUEST_ERROR", "description": "Authentication failed"]])
            }
            guard let o = Self.object(body), let amount = o["amount"] as? Int, let ref = o["reference_id"] as? String else {
                return Self.json(.badRequest, ["error": ["code": "BAD_REQUEST_ERROR", "description": "amount is required"]])
            }
            return lock.withLock {
                if links.contains(where: { $0["reference_id"] as? String == ref }) {
                    return Self.json(.badRequest, ["error": ["code": "BAD_REQUEST_ERROR", "description": "reference_id already exists"]])
                }
                let id = "plink_\(links.count + 1)"
                let link: [String: Any] = ["id": id, "short_url": "https://rzp.io/i/\(id)", "status": "created", "amount": amount,
                                           "amount_paid": 0, "reference_id": ref, "currency": "INR"]
                links.append(link)
                return Self.json(link)
            }
        }
        route(.GET, ["v1", "payment_links", ":id"]) { [self] req, _ in
            let id = req.parameters.get("id")
            guard let link = lock.withLock({ links.first { $0["id"] as? String == id } }) else {
                return Self.json(.badRequest, ["error": ["code": "BAD_REQUEST_ERROR", "description": "The id provided does not exist"]])
            }
            return Self.json(link)
        }
        route(.POST, ["token"]) { [self] req, body in
            let form = String(decoding: body, as: UTF8.self)
            guard form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"),
                  let assertion = form.split(separator: "&").first(where: { $0.hasPrefix("assertion=") })?.dropFirst(10) else {
                return Self.json(.badRequest, ["error": "invalid_request"])
            }
            // Verify the RS256 signature and the claims as Google does.
            struct Claims: JWTPayload {
                let iss: IssuerClaim; let scope: String; let aud: AudienceClaim; let exp: ExpirationClaim
                func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired(currentDate: Date(timeIntervalSince1970: 0)) }
            }
            do {
                let keys = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: publicKeyPEM), digestAlgorithm: .sha256)
                let claims = try await keys.verify(String(assertion), as: Claims.self)
                guard claims.scope.contains("spreadsheets"), claims.aud.value.contains("\(base)/token") else {
                    return Self.json(.badRequest, ["error": "invalid_grant", "error_description": "bad scope or audience"])
                }
            } catch {
                return Self.json(.badRequest, ["error": "invalid_grant", "error_description": "Invalid JWT Signature."])
            }
            lock.withLock { tokenExchanges += 1 }
            return Self.json(["access_token": "ya29.fake", "expires_in": 3599, "token_type": "Bearer"])
        }
        route(.POST, ["v4", "spreadsheets", ":id", "values", ":range"]) { [self] req, body in
            guard req.headers.first(name: .authorization) == "Bearer ya29.fake" else {
                return Self.json(.unauthorized, ["error": ["code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"]])
            }
            let rows = (Self.object(body)?["values"] as? [[Any]]) ?? []
            let range = (req.parameters.get("range") ?? "").replacingOccurrences(of: ":append", with: "")
            lock.withLock { sheetRows.append(contentsOf: rows) }
            return Self.json(["spreadsheetId": req.parameters.get("id") ?? "", "tableRange": range,
                              "updates": ["updatedRange": "\(range.split(separator: "!").first ?? "Sheet1")!A\(sheetRows.count):C\(sheetRows.count)",
                                          "updatedRows": rows.count, "updatedColumns": rows.first?.count ?? 0, "updatedCells": rows.count]])
        }
        route(.GET, ["v4", "spreadsheets", ":id", "values", ":range"]) { [self] req, _ in
            guard req.headers.first(name: .authorization) == "Bearer ya29.fake" else { return Self.json(.unauthorized, ["error": ["code": 401]]) }
            return Self.json(["range": req.parameters.get("range") ?? "", "majorDimension": "ROWS", "values": lock.withLock { sheetRows }])
        }
        route(.POST, ["v1", "external", "auth", "login"]) { [self] _, body in
            guard let o = Self.object(body), o["email"] as? String == "api@shop.in", o["password"] as? String == "sr-pass" else {
                return Self.json(.unauthorized, ["message": "Invalid email and password combination", "status_code": 401])
            }
            lock.withLock { shiprocketLogins += 1 }
            return Self.json(["token": "sr-token-\(shiprocketLogins)", "email": "api@shop.in"])
        }
        route(.POST, ["v1", "external", "orders", "create", "adhoc"]) { [self] req, body in
            guard req.headers.first(name: .authorization)?.hasPrefix("Bearer sr-token") == true else {
                return Self.json(.unauthorized, ["message": "Token has expired", "status_code": 401])
            }
            let o = Self.object(body) ?? [:]
            return lock.withLock {
                shiprocketOrders.append(o)
                return Self.json(["order_id": 1000 + shiprocketOrders.count, "shipment_id": 2000 + shiprocketOrders.count, "status": "NEW",
                                  "status_code": 1, "awb_code": "", "courier_name": ""])
            }
        }
        route(.GET, ["v1", "external", "courier", "track", "awb", ":awb"]) { req, _ in
            Self.json(["tracking_data": ["track_status": 1, "shipment_status": 7,
                                         "shipment_track": [["awb_code": req.parameters.get("awb") ?? "", "current_status": "Delivered"]],
                                         "shipment_track_activities": [["date": "2026-11-20 10:00:00", "activity": "Delivered", "location": "Pune"]],
                                         "etd": "2026-11-20 18:00:00"]])
        }
        route(.POST, ["echo"]) { [self] req, body in
            lock.withLock { echoKeys.append(req.headers.first(name: "Idempotency-Key") ?? "") }
            return Self.json(["received": Self.object(body) ?? [:], "ok": true])
        }
    }

    var echoCalls: [String] { lock.withLock { echoKeys } }
}
