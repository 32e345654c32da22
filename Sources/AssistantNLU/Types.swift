import Foundation
@_exported import JSONCore

/// The intents the assistant understands (issue 3 §2).
public enum IntentName: String, Codable, Sendable, CaseIterable {
    case createInvoice = "create_invoice"
    case recordPayment = "record_payment"
    case checkStock = "check_stock"
    case updateStock = "update_stock"
    case customerBalance = "customer_balance"
    case listDebtors = "list_debtors"
    case sendPaymentReminder = "send_payment_reminder"
    case createPaymentLink = "create_payment_link"
    case generateReport = "generate_report"
    case salesSummary = "sales_summary"
    case addProduct = "add_product"
    case addCustomer = "add_customer"
    case draftSocialPost = "draft_social_post"
    /// Money spent: rent, salary, electricity, transport… (issue 16 §6).
    case recordExpense = "record_expense"
    /// Stock bought from a supplier: a purchase bill (issue 16 §6).
    case recordPurchase = "record_purchase"
    /// Money paid to a supplier against what the shop owes (issue 16 §6).
    case paySupplier = "pay_supplier"
    /// Questions about the other half of the books: cash in hand, profit, expenses, what is owed to suppliers.
    case booksSummary = "books_summary"
    /// Send a customer's invoice (the latest, or the one numbered) on WhatsApp (issue 18 §4).
    case sendInvoice = "send_invoice"
    case help
    case greeting
    case unknown
}

// Entities are `JSONValue`s (JSONCore): `.int` for money in paise, `.double` for quantities.

/// The parse result, identical in shape for the offline and LLM engines.
public struct ParsedIntent: Codable, Sendable, Equatable {
    public var intent: IntentName
    public var confidence: Double
    public var entities: [String: JSONValue]
    public var missing: [String]
    public var engine: String

    public init(intent: IntentName, confidence: Double, entities: [String: JSONValue], missing: [String], engine: String) {
        self.intent = intent
        self.confidence = confidence
        self.entities = entities
        self.missing = missing
        self.engine = engine
    }

    /// Same shape with every expected key for `intent` filled (null where absent); coerces money to
    /// integer paise and quantities to numbers, and computes `missing`. Also used to normalize LLM output.
    public static func normalized(intent: IntentName, entities: [String: JSONValue], confidence: Double, engine: String) -> ParsedIntent {
        let schema = EntitySchema.keys(for: intent)
        var out: [String: JSONValue] = [:]
        for key in schema {
            let v = entities[key] ?? .null
            out[key] = EntitySchema.coerce(key: key, value: v)
        }
        if intent == .createInvoice {
            if case .null = out["due"] ?? .null { out["due"] = .bool(false) }
        }
        if intent == .createInvoice || intent == .recordPurchase {
            if case .null = out["items"] ?? .null { out["items"] = .array([]) }
        }
        if intent == .generateReport, (out["format"] ?? .null).isEmpty { out["format"] = .string("pdf") }
        var missing: [String] = []
        func need(_ name: String, _ value: JSONValue?) {
            if (value ?? .null).isEmpty, !missing.contains(name) { missing.append(name) }
        }
        switch intent {
        case .createInvoice, .recordPurchase:
            need(intent == .createInvoice ? "customer" : "supplier", out[intent == .createInvoice ? "customer" : "supplier"])
            if case .array(let items) = out["items"] ?? .null, !items.isEmpty {
                for item in items {
                    guard case .object(let o) = item else { continue }
                    need("product", o["product"])
                    need("quantity", o["quantity"])
                }
                for item in items {
                    guard case .object(let o) = item else { continue }
                    need("unit_price", o["unit_price"])
                }
            } else {
                missing.append("items")
            }
        case .recordPayment:
            need("customer", out["customer"]); need("amount", out["amount"])
        case .checkStock:
            need("product", out["product"])
        case .updateStock:
            need("product", out["product"]); need("quantity", out["quantity"]); need("mode", out["mode"])
        case .customerBalance:
            need("customer", out["customer"])
        case .createPaymentLink:
            need("customer", out["customer"]); need("amount", out["amount"])
        case .generateReport:
            need("report", out["report"])
        case .addProduct:
            need("product", out["product"])
        case .addCustomer:
            need("customer", out["customer"])
        case .draftSocialPost:
            need("platform", out["platform"]); need("content", out["content"])
        case .recordExpense:
            need("amount", out["amount"])
        case .paySupplier:
            need("supplier", out["supplier"]); need("amount", out["amount"])
        case .booksSummary:
            need("topic", out["topic"])
        case .sendInvoice:
            need("customer", out["customer"])
        case .listDebtors, .sendPaymentReminder, .salesSummary, .help, .greeting, .unknown:
            break
        }
        let conf = confidence.isFinite ? min(1, max(0, confidence)) : 0
        return ParsedIntent(intent: intent, confidence: intent == .unknown ? 0 : conf, entities: out, missing: missing, engine: engine)
    }
}

enum EntitySchema {
    static func keys(for intent: IntentName) -> [String] {
        switch intent {
        case .createInvoice: return ["customer", "items", "amount_paid", "payment_mode", "discount", "due"]
        case .recordPayment: return ["customer", "amount", "payment_mode"]
        case .checkStock: return ["product"]
        case .updateStock: return ["product", "quantity", "mode"]
        case .customerBalance: return ["customer"]
        case .listDebtors: return []
        case .sendPaymentReminder: return ["customer"]
        case .createPaymentLink: return ["customer", "amount"]
        case .generateReport: return ["report", "format", "period"]
        case .salesSummary: return ["period"]
        case .addProduct: return ["product", "unit_price", "quantity", "unit"]
        case .addCustomer: return ["customer", "phone"]
        case .draftSocialPost: return ["platform", "content", "image_url"]
        case .recordExpense: return ["category", "amount", "payment_mode", "note"]
        // In a purchase's items `unit_price` is the cost per unit, GST excluded.
        case .recordPurchase: return ["supplier", "items", "amount_paid", "payment_mode"]
        case .paySupplier: return ["supplier", "amount", "payment_mode"]
        case .booksSummary: return ["topic", "period", "supplier"]
        case .sendInvoice: return ["customer", "invoice_number"]
        case .help, .greeting, .unknown: return []
        }
    }

    static let moneyKeys: Set<String> = ["amount_paid", "discount", "amount", "unit_price"]
    static let numberKeys: Set<String> = ["quantity"]

    static func coerce(key: String, value: JSONValue) -> JSONValue {
        if moneyKeys.contains(key) {
            switch value {
            // not finite or beyond Int64 paise: absent (an over-bound amount that fits passes through)
            case .double(let d): return SafeNumbers.int64(rounding: d).map { .int($0) } ?? .null
            case .string(let s): if let p = Replies.money(s) { return .int(p) }; return s.isEmpty ? .null : value
            default: return value
            }
        }
        if numberKeys.contains(key) {
            switch value {
            case .int(let i): return SafeNumbers.quantity(Double(i)).map { .double($0) } ?? .null
            case .double(let d): return SafeNumbers.quantity(d).map { .double($0) } ?? .null
            case .string(let s): if let n = Replies.number(s) { return .double(n) }; return s.isEmpty ? .null : value
            default: return value
            }
        }
        if key == "due" {
            switch value {
            case .null: return .bool(false)
            case .string(let s): return .bool(["true", "yes", "1"].contains(s.lowercased()))
            default: return value
            }
        }
        if key == "items", case .array(let items) = value {
            return .array(items.map { item in
                guard case .object(let o) = item else { return item }
                var n: [String: JSONValue] = [:]
                for k in ["product", "quantity", "unit", "unit_price"] {
                    n[k] = coerce(key: k, value: o[k] ?? .null)
                }
                return .object(n)
            })
        }
        if case .string(let s) = value, s.trimmingCharacters(in: .whitespaces).isEmpty { return .null }
        return value
    }
}

/// A product or customer from the business's catalog.
public struct CatalogEntry: Sendable, Equatable {
    public let id: String
    public let name: String
    public let unit: String?
    /// Price in paise.
    public let price: Int64?
    public init(id: String, name: String, unit: String? = nil, price: Int64? = nil) {
        self.id = id
        self.name = name
        self.unit = unit
        self.price = price
    }
}

public struct Catalog: Sendable {
    public var products: [CatalogEntry]
    public var customers: [CatalogEntry]
    /// The parties the shop buys from: "paid Ambuja Traders 20000" is a supplier payment, not a
    /// customer's payment, because Ambuja Traders is here.
    public var suppliers: [CatalogEntry]
    public init(products: [CatalogEntry] = [], customers: [CatalogEntry] = [], suppliers: [CatalogEntry] = []) {
        self.products = products
        self.customers = customers
        self.suppliers = suppliers
    }
    public static let empty = Catalog()
}

public enum MatchResult: Sendable, Equatable {
    case match(CatalogEntry)
    case ambiguous([CatalogEntry])
    case none(suggestions: [CatalogEntry])
}
