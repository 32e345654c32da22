import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Razorpay Payment Links (`/v1/payment_links`), basic auth with key id and secret. Amounts are
/// exact integers in paise; `reference_id` carries the caller's idempotency key, and a duplicate
/// reference is answered by looking the existing link up.
struct RazorpayClient: Sendable {
    let transport: ProviderTransport
    let baseURL: String
    let keyID: String
    let keySecret: String

    typealias Failure = ProviderError

    struct CustomerInfo: Codable, Sendable {
        var name: String?
        var contact: String?
        var email: String?
    }

    struct CreateLink: Encodable, Sendable {
        let amount: Int64
        let currency: String
        let reference_id: String
        let description: String?
        let customer: CustomerInfo?
        let expire_by: Int64?
        let accept_partial: Bool
        let notify: [String: Bool]
        let reminder_enable: Bool
    }

    struct PaymentLink: Decodable, Sendable {
        let id: String
        let short_url: String?
        let status: String
        let amount: Int64
        let amount_paid: Int64?
        let reference_id: String?
    }

    struct LinkList: Decodable { let payment_links: [PaymentLink]? }
    struct ErrorEnvelope: Decodable {
        struct E: Decodable { let code: String?; let description: String? }
        let error: E?
    }

    func createPaymentLink(amount: Int64, referenceID: String, description: String?, customer: CustomerInfo?,
                           expireBy: Int64? = nil) async throws -> PaymentLink {
        let body = CreateLink(amount: amount, currency: "INR", reference_id: String(referenceID.prefix(40)), description: description,
                              customer: customer, expire_by: expireBy, accept_partial: false,
                              notify: ["sms": false, "email": false], reminder_enable: false)
        do {
            return try await call(.POST, "/v1/payment_links", body: try JSONEncoder().encode(body))
        } catch let e as Failure where e.httpStatus == 400 && e.message.lowercased().contains("reference_id") {
            // A retry after a lost reply: the link exists already; return it.
            let list: LinkList = try await call(.GET, "/v1/payment_links?reference_id=\(referenceID.prefix(40))", body: nil)
            if let existing = list.payment_links?.first { return existing }
            throw e
        }
    }

    func paymentLink(id: String) async throws -> PaymentLink {
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw Failure(.razorpay, status: 400, code: "BAD_REQUEST_ERROR", message: "not a payment link id")
        }
        return try await call(.GET, "/v1/payment_links/\(id)", body: nil)
    }

    private func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> T {
        var request = ProviderTransport.Request(method: method, url: baseURL + path, operation: path)
        request.headers.append(("Authorization", "Basic " + Data("\(keyID):\(keySecret)".utf8).base64EncodedString()))
        if let body {
            request.headers.append(("Content-Type", "application/json"))
            request.body = body
        }
        let reply = try await transport.send(request)
        guard reply.ok else {
            let e = try? JSONDecoder().decode(ErrorEnvelope.self, from: reply.body)
            throw Failure(.razorpay, status: reply.status, code: ProviderCode.ofText(e?.error?.code),
                          message: e?.error?.description ?? "HTTP \(reply.status)")
        }
        do { return try JSONDecoder().decode(T.self, from: reply.body) } catch {
            throw Failure(.razorpay, status: reply.status, message: "unexpected reply from Razorpay")
        }
    }

}
