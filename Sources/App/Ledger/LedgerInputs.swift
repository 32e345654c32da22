import Foundation
import Vapor

struct CustomerInput: Content {
    let name: String
    var phone: String?
    var email: String?
    var address: String?
    var state: String?
    var gstin: String?
    var notes: String?
    var tags: [String]?
}

struct CustomerPatch: Decodable, Sendable {
    var name: Patch<String> = .absent
    var phone: Patch<String> = .absent
    var email: Patch<String> = .absent
    var address: Patch<String> = .absent
    var state: Patch<String> = .absent
    var gstin: Patch<String> = .absent
    var notes: Patch<String> = .absent
    var tags: Patch<[String]> = .absent
    var archived: Patch<Bool> = .absent
}

struct ProductInput: Content {
    let name: String
    var unit: String?
    var sku: String?
    let price: Int64
    var stock: Quantity?
    var lowStockThreshold: Quantity?
    var hsn: String?
    var gstRate: GSTRate?
    /// Whether `price` includes GST; default true (shops quote inclusive prices).
    var priceIncludesGst: Bool?
    /// What a unit cost so far (paise, GST excluded): the cost of the opening stock.
    var averageCost: Int64?
}

struct ProductPatch: Decodable, Sendable {
    var name: Patch<String> = .absent
    var unit: Patch<String> = .absent
    var sku: Patch<String> = .absent
    var price: Patch<Int64> = .absent
    var stock: Patch<Quantity> = .absent
    var stockReason: Patch<String> = .absent
    var lowStockThreshold: Patch<Quantity> = .absent
    var hsn: Patch<String> = .absent
    var gstRate: Patch<GSTRate> = .absent
    var priceIncludesGst: Patch<Bool> = .absent
    var archived: Patch<Bool> = .absent
}

struct RestockInput: Content {
    let quantity: Quantity
    var reason: String?
}

struct InvoiceLineInput: Decodable, Sendable {
    var productId: UUID?
    var description: String?
    let quantity: Quantity
    var unitPrice: Int64?
    var discount: Int64?
    /// Absent: the product's rate; null: no GST on this line.
    var gstRate: Patch<GSTRate> = .absent
    var unit: String?
    var hsn: String?
    /// Whether `unit_price` and `discount` include GST; absent: the product's setting (false
    /// for a line without a product).
    var priceIncludesGst: Bool?
}

extension InvoiceLineInput {
    /// A stored line as it was entered, to be computed again (a new place of supply).
    init(item i: InvoiceItem) {
        productId = i.productID
        description = i.description
        quantity = Quantity(thousandths: i.quantity)
        unitPrice = i.unitPrice
        discount = i.discount
        gstRate = i.gstRateBP.map { .value(GSTRate(basisPoints: $0)) } ?? .null
        unit = i.unit
        hsn = i.hsn
        priceIncludesGst = i.priceIncludesGST ?? false
    }
}

struct UpfrontPayment: Decodable, Sendable {
    let amount: Int64
    let mode: PaymentMode
    var reference: String?
    /// The cash, bank or UPI account it went into; default: the mode's account.
    var accountId: UUID?
}

struct InvoiceInput: Decodable, Sendable {
    let customerId: UUID
    var issueDate: String?
    var dueDate: String?
    var notes: String?
    /// A state name or code; default: the customer's state, else the business's.
    var placeOfSupply: String?
    let items: [InvoiceLineInput]
    var issue: Bool?
    var payment: UpfrontPayment?
}

struct InvoicePatch: Decodable, Sendable {
    var customerId: Patch<UUID> = .absent
    var issueDate: Patch<String> = .absent
    var dueDate: Patch<String> = .absent
    var notes: Patch<String> = .absent
    /// null: back to the default (the customer's state, else the business's).
    var placeOfSupply: Patch<String> = .absent
    var items: Patch<[InvoiceLineInput]> = .absent
}

struct IssueInput: Decodable, Sendable {
    var payment: UpfrontPayment?
}

struct VoidInput: Decodable, Sendable {
    var reason: String?
}

struct PaymentInput: Decodable, Sendable {
    let customerId: UUID
    let amount: Int64
    let mode: PaymentMode
    var reference: String?
    var paidOn: String?
    var invoiceId: UUID?
    var notes: String?
    /// The cash, bank or UPI account it went into; default: the mode's account.
    var accountId: UUID?
}

/// `POST /invoices/{id}/credit-notes`: what comes back (a product, or one invoice line by
/// `item_id`) and how much; the amounts are the invoice's own, in proportion.
struct CreditNoteLineInput: Decodable, Sendable {
    var productId: UUID?
    var itemId: UUID?
    let quantity: Quantity
}

struct CreditNoteInput: Decodable, Sendable {
    let items: [CreditNoteLineInput]
    var reason: String?
    /// Default: today in the business's time zone; never before the invoice's date.
    var issueDate: String?
}
