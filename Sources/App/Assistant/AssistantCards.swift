import AssistantNLU
import Fluent
import Foundation
import Vapor

/// What a pending card will do on Confirm, with every name already resolved to an id.
struct CardCommand: Codable, Sendable {
    struct Line: Codable, Sendable {
        var productID: UUID
        var name: String
        var quantity: Int64      // thousandths
        var unitPrice: Int64     // paise
    }
    /// The reply language of the conversation that asked for the card (`ReplyLanguage`).
    var language: String?
    var customerID: UUID?
    var customerName: String?
    /// Set when Confirm must first create the customer (an unknown name the user agreed to add).
    var newCustomer: Bool?
    var lines: [Line]?
    var amountPaid: Int64?
    var paymentMode: String?
    var discount: Int64?
    var amount: Int64?
    var productID: UUID?
    var productName: String?
    var mode: String?
    var quantity: Int64?
    var name: String?
    var unit: String?
    var price: Int64?
    var phone: String?
    var platform: String?
    var content: String?
    var imageURL: String?
    var text: String?
    var customers: [ReminderTarget]?
    /// Purchases and supplier payments (issue 16 §6): the supplier, or a new one to create on Confirm.
    var supplierID: UUID?
    var supplierName: String?
    var newSupplier: Bool?
    /// The invoice an `invoice_send_preview` card sends on WhatsApp (issue 18 §4).
    var invoiceID: UUID?

    struct ReminderTarget: Codable, Sendable {
        var id: UUID
        var name: String
        var due: Int64
    }
}

/// A card about to be stored.
struct CardDraft: Sendable {
    var kind: String
    var status: CardStatus
    var title: String
    var command: CardCommand
    var data: JSONValue
}

extension AssistantCard {
    /// Stores a drafted card in the caller's transaction.
    static func store(_ draft: CardDraft, businessID: UUID, conversationID: UUID, now: Date, on tx: any Database) async throws -> AssistantCard {
        let c = AssistantCard()
        c.businessID = businessID
        c.conversationID = conversationID
        c.kind = draft.kind
        c.status = draft.status
        c.title = draft.title
        c.command = draft.command.json
        c.data = draft.data.jsonText
        c.createdAt = now
        c.updatedAt = now
        try await c.create(on: tx)
        return c
    }
}

struct CardDTO: Content {
    let id: UUID
    let kind: String
    let status: CardStatus
    let title: String
    let data: JSONValue
    let actions: [String]
    @NullEncoded var result: JSONValue?
    @NullEncoded var error: String?
    let createdAt: Date
    let updatedAt: Date

    static let editable: Set<String> = ["invoice_preview", "payment_preview", "stock_update_preview", "social_post_preview",
                                        "product_preview", "customer_preview"]

    init(_ c: AssistantCard) {
        id = c.id!
        kind = c.kind
        status = c.status
        title = c.title
        data = (try? JSONDecoder().decode(JSONValue.self, from: Data(c.data.utf8))) ?? .null
        actions = c.status == .pending ? (Self.editable.contains(c.kind) ? ["confirm", "cancel", "edit"] : ["confirm", "cancel"]) : []
        result = c.result.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        error = c.error
        createdAt = c.createdAt
        updatedAt = c.updatedAt
    }
}

extension JSONValue {
    /// Any Encodable as a JSON value, with the API's snake_case keys.
    init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONCoders.encoder.encode(value))
    }

    var jsonText: String {
        (try? String(decoding: JSONCoders.encoder.encode(self), as: UTF8.self)) ?? "null"
    }

    static func ref(_ id: UUID?, _ name: String?) -> JSONValue {
        ["id": id.map { .string($0.uuidString) } ?? .null, "name": name.map { .string($0) } ?? .null]
    }

    static func quantity(_ thousandths: Int64) -> JSONValue {
        thousandths % 1000 == 0 ? .int(thousandths / 1000) : .double(Double(thousandths) / 1000)
    }

    static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    static func optional(_ i: Int64?) -> JSONValue { i.map { .int($0) } ?? .null }
}

extension CardCommand {
    var json: String { (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}" }
    static func from(_ text: String) throws -> CardCommand { try JSONDecoder().decode(CardCommand.self, from: Data(text.utf8)) }
}

/// Reads entity values from a parsed intent, tolerant of int/number.
extension ParsedIntent {
    func string(_ key: String) -> String? {
        if case .string(let s)? = entities[key] {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        return nil
    }

    func paise(_ key: String) -> Int64? { Self.paise(entities[key]) }
    func number(_ key: String) -> Double? { Self.number(entities[key]) }

    func bool(_ key: String) -> Bool? {
        if case .bool(let b)? = entities[key] { return b }
        return nil
    }

    var items: [[String: JSONValue]] {
        guard case .array(let list)? = entities["items"] else { return [] }
        return list.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
    }

    mutating func setItems(_ items: [[String: JSONValue]]) {
        entities["items"] = .array(items.map { .object($0) })
    }

    static func paise(_ v: JSONValue?) -> Int64? {
        switch v {
        case .int(let i)?: return i
        // Checked before converting: a Double past Int64's range would trap (issue 14 §1). Values
        // beyond the bounds but within Int64 pass, and the ledger answers 422 amount_too_large.
        case .double(let d)?: return d.isFinite && abs(d) < 9.0e18 ? Int64(d.rounded()) : nil
        default: return nil
        }
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    static func text(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v, !s.trimmingCharacters(in: .whitespaces).isEmpty { return s.trimmingCharacters(in: .whitespaces) }
        return nil
    }
}
