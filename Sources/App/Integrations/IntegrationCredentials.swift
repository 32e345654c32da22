import Fluent
import Foundation
import Vapor

/// Per-business credentials of the non-channel providers (Razorpay, Google Sheets, Shiprocket),
/// sealed by the vault and write-only through `/api/v1/integrations/{provider}` (DESIGN §8).
final class IntegrationCredential: Model, @unchecked Sendable {
    static let schema = "credentials"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "provider") var provider: String
    @Field(key: "secret") var secret: String
    /// Provider session state worth keeping (a Shiprocket token), sealed too.
    @OptionalField(key: "state") var state: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

enum IntegrationProvider: String, CaseIterable, Sendable {
    case razorpay, googleSheets = "google_sheets", shiprocket

    /// Required fields and what each is.
    var fields: [(String, String)] {
        switch self {
        case .razorpay: return [("key_id", "Key id (rzp_live_… or rzp_test_…)"), ("key_secret", "Key secret")]
        case .googleSheets: return [("service_account_json", "The service account's JSON key file, pasted whole")]
        case .shiprocket: return [("email", "API user email"), ("password", "API user password")]
        }
    }
}

extension IntegrationProvider {
    var title: String {
        switch self {
        case .razorpay: return "Razorpay"
        case .googleSheets: return "Google Sheets"
        case .shiprocket: return "Shiprocket"
        }
    }
}

enum Integrations {
    static func load(_ app: Application, businessID: UUID, _ provider: IntegrationProvider, on db: (any Database)? = nil) async throws -> [String: String]? {
        guard let row = try await IntegrationCredential.query(on: db ?? app.db).filter(\.$businessID == businessID)
            .filter(\.$provider == provider.rawValue).first() else { return nil }
        return try app.vault.open(json: row.secret, as: [String: String].self)
    }
}

/// Payment links for reminders and the assistant, when Razorpay is configured.
enum PaymentLinks {
    static func client(_ app: Application, _ creds: [String: String]) -> RazorpayClient {
        app.providers.razorpay(keyID: creds["key_id"] ?? "", keySecret: creds["key_secret"] ?? "")
    }

    /// A short URL, or nil when Razorpay is not configured. A Razorpay failure does not stop the
    /// reminder: it goes out without a link and the failure is logged.
    static func linkIfConfigured(_ app: Application, businessID: UUID, amount: Int64, customer: Customer, reference: String) async throws -> String? {
        guard let creds = try await Integrations.load(app, businessID: businessID, .razorpay) else { return nil }
        do {
            let link = try await client(app, creds).createPaymentLink(
                amount: amount, referenceID: reference, description: "Payment to settle your balance",
                customer: .init(name: customer.name, contact: customer.phone, email: customer.email))
            return link.short_url
        } catch {
            app.logger.warning("payment link not created: \(String(describing: error))")
            return nil
        }
    }
}

struct IntegrationsController {
    func register(_ api: any RoutesBuilder) {
        api.on(.integrations, use: list)
        api.on(.integrationSave, use: save)
        api.on(.integrationRemove, use: remove)
    }

    struct ProviderDTO: Content {
        let provider: String
        let configured: Bool
        let fields: [String]
        @NullEncoded var updatedAt: Date?
    }

    @Sendable func list(req: Request) async throws -> Page<ProviderDTO> {
        let p = try req.principal
        let rows = try await IntegrationCredential.query(on: req.db).filter(\.$businessID == p.businessID).all()
        let items = IntegrationProvider.allCases.map { provider in
            let row = rows.first { $0.provider == provider.rawValue }
            return ProviderDTO(provider: provider.rawValue, configured: row != nil, fields: provider.fields.map(\.0), updatedAt: row?.updatedAt)
        }
        return Page(items: items, nextCursor: nil)
    }

    static func provider(_ req: Request) throws -> IntegrationProvider {
        guard let raw = req.parameters.get("provider"), let p = IntegrationProvider(rawValue: raw) else {
            throw APIError.notFound("Integration")
        }
        return p
    }

    struct SaveInput: Content {
        let credentials: [String: String]
    }

    @Sendable func save(req: Request) async throws -> ProviderDTO {
        let p = try req.principal
        try p.requireOwner("change integrations")
        let provider = try Self.provider(req)
        let input = try req.content.decode(SaveInput.self)
        var problems: [String: String] = [:]
        var clean: [String: String] = [:]
        for (key, what) in provider.fields {
            let v = (input.credentials[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if v.isEmpty { problems["credentials.\(key)"] = "is required (\(what))" }
            else if v.count > 20_000 { problems["credentials.\(key)"] = "is too long" }
            clean[key] = v
        }
        if provider == .googleSheets, let json = clean["service_account_json"], !json.isEmpty {
            if let key = try? JSONDecoder().decode(GoogleServiceAccount.self, from: Data(json.utf8)) {
                if key.private_key.isEmpty || key.client_email.isEmpty { problems["credentials.service_account_json"] = "needs client_email and private_key" }
            } else {
                problems["credentials.service_account_json"] = "is not a service account JSON key (client_email, private_key)"
            }
        }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let sealed = try req.application.vault.seal(json: clean)
        let now = req.now, businessID = p.businessID
        try await req.store.write(req.db) { tx in
            if let row = try await IntegrationCredential.query(on: tx).filter(\.$businessID == businessID).filter(\.$provider == provider.rawValue).first() {
                row.secret = sealed
                row.state = nil
                row.updatedAt = now
                try await row.save(on: tx)
            } else {
                let row = IntegrationCredential()
                row.businessID = businessID
                row.provider = provider.rawValue
                row.secret = sealed
                row.createdAt = now
                row.updatedAt = now
                try await row.create(on: tx)
            }
        }
        return ProviderDTO(provider: provider.rawValue, configured: true, fields: provider.fields.map(\.0), updatedAt: now)
    }

    @Sendable func remove(req: Request) async throws -> HTTPStatus {
        let p = try req.principal
        try p.requireOwner("change integrations")
        let provider = try Self.provider(req)
        try await req.store.write(req.db) { tx in
            try await IntegrationCredential.query(on: tx).filter(\.$businessID == p.businessID).filter(\.$provider == provider.rawValue).delete()
        }
        return .noContent
    }
}

/// The fields of a Google service-account key that Munim uses.
struct GoogleServiceAccount: Codable, Sendable {
    let client_email: String
    let private_key: String
    var token_uri: String?
}
