import Fluent
import Foundation

final class Customer: Model, @unchecked Sendable {
    static let schema = "customers"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "name") var name: String
    @OptionalField(key: "phone") var phone: String?
    @OptionalField(key: "email") var email: String?
    @OptionalField(key: "address") var address: String?
    @OptionalField(key: "state") var state: String?
    /// GSTIN of a registered buyer (check character validated); its first two digits are `state`.
    @OptionalField(key: "gstin") var gstin: String?
    @OptionalField(key: "notes") var notes: String?
    /// ",wholesale,regular,": lowercased tags between commas (issue 18 §5); nil for none.
    @OptionalField(key: "tags") var tags: String?
    /// Σ issued (non-void) invoice totals − Σ payments, maintained in the same transaction as
    /// every change to either (checked by the invariant tests).
    @Field(key: "balance") var balance: Int64
    @OptionalField(key: "archived_at") var archivedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

final class Product: Model, @unchecked Sendable {
    static let schema = "products"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "name") var name: String
    /// Lowercased, single-spaced name: uniqueness "ignoring case" is a unique index on this.
    @Field(key: "name_key") var nameKey: String
    @Field(key: "unit") var unit: String
    @OptionalField(key: "sku") var sku: String?
    @Field(key: "price") var price: Int64
    /// Thousandths of the unit; always Σ stock_movements.delta.
    @Field(key: "stock") var stock: Int64
    @Field(key: "low_stock_threshold") var lowStockThreshold: Int64
    @OptionalField(key: "hsn") var hsn: String?
    @OptionalField(key: "gst_rate_bp") var gstRateBP: Int64?
    /// Weighted average cost per unit in paise (GST excluded), updated by each purchase in the
    /// purchase's transaction; never negative.
    @Field(key: "average_cost") var averageCost: Int64
    /// Whether `price` includes GST (issue 17 §2); nil (products from before) means it does not.
    @OptionalField(key: "price_includes_gst") var priceIncludesGSTRaw: Bool?
    @OptionalField(key: "archived_at") var archivedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var priceIncludesGST: Bool { priceIncludesGSTRaw ?? false }

    static func key(for name: String) -> String {
        name.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

enum MovementKind: String, Codable, Sendable, CaseIterable {
    case sale, void, restock, adjustment
    /// Goods a customer returned on a credit note.
    case saleReturn = "return"
    /// Stock received on a purchase bill, and its reversal when the bill is voided.
    case purchase, purchaseVoid = "purchase_void"
}

final class StockMovement: Model, @unchecked Sendable {
    static let schema = "stock_movements"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "product_id") var productID: UUID
    @Field(key: "delta") var delta: Int64
    @Enum(key: "kind") var kind: MovementKind
    @Field(key: "reason") var reason: String
    @OptionalField(key: "invoice_id") var invoiceID: UUID?
    @OptionalField(key: "user_id") var userID: UUID?
    /// The purchase bill that received (or returned) this stock.
    @OptionalField(key: "purchase_id") var purchaseID: UUID?
    /// Cost per unit in force for this movement (paise): the purchase's cost for a purchase, the
    /// product's average cost otherwise. Cost of goods sold = Σ sold quantity × this.
    @OptionalField(key: "unit_cost") var unitCost: Int64?
    @Field(key: "stock_after") var stockAfter: Int64
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

enum InvoiceStatus: String, Codable, Sendable, CaseIterable {
    case draft, issued, partiallyPaid = "partially_paid", paid, void

    static let open: [InvoiceStatus] = [.issued, .partiallyPaid]
    static let posted: [InvoiceStatus] = [.issued, .partiallyPaid, .paid]
}

final class Invoice: Model, @unchecked Sendable {
    static let schema = "invoices"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "customer_id") var customerID: UUID
    /// Per-business sequence number, given at issue (drafts have none) so numbers are gap-free.
    @OptionalField(key: "number") var number: Int64?
    @Enum(key: "status") var status: InvoiceStatus
    @Field(key: "issue_date") var issueDate: String
    @OptionalField(key: "due_date") var dueDate: String?
    @OptionalField(key: "notes") var notes: String?
    /// The state the supply is made to (canonical name): IGST when it is not the business's state.
    /// Nil on invoices written before issue 17, and when neither party's state is known.
    @OptionalField(key: "place_of_supply") var placeOfSupply: String?
    @Field(key: "subtotal") var subtotal: Int64
    @Field(key: "discount_total") var discountTotal: Int64
    @Field(key: "tax_total") var taxTotal: Int64
    @Field(key: "total") var total: Int64
    @Field(key: "amount_paid") var amountPaid: Int64
    /// Σ the totals of its credit notes (issue 17 §3); nil before the first one.
    @OptionalField(key: "credited") var credited: Int64?
    /// Paise the total was rounded to the rupee by (included in `total`); nil: not rounded.
    @OptionalField(key: "round_off") var roundOff: Int64?
    @OptionalField(key: "issued_at") var issuedAt: Date?
    @OptionalField(key: "voided_at") var voidedAt: Date?
    @OptionalField(key: "void_reason") var voidReason: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var numberText: String? { number.map { String(format: "INV-%04lld", $0) } }

    /// What the customer still owes on it: the total less credit notes and payments.
    var balanceDue: Int64 { total - (credited ?? 0) - amountPaid }
}

final class InvoiceItem: Model, @unchecked Sendable {
    static let schema = "invoice_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "invoice_id") var invoiceID: UUID
    @Field(key: "position") var position: Int
    @OptionalField(key: "product_id") var productID: UUID?
    @Field(key: "description") var description: String
    @Field(key: "quantity") var quantity: Int64
    @Field(key: "unit") var unit: String
    @Field(key: "unit_price") var unitPrice: Int64
    @Field(key: "discount") var discount: Int64
    @OptionalField(key: "gst_rate_bp") var gstRateBP: Int64?
    @OptionalField(key: "hsn") var hsn: String?
    @Field(key: "taxable") var taxable: Int64
    @Field(key: "tax") var tax: Int64
    @Field(key: "total") var total: Int64
    /// The tax by head (tax = cgst + sgst + igst); nil on lines written before issue 17.
    @OptionalField(key: "cgst") var cgst: Int64?
    @OptionalField(key: "sgst") var sgst: Int64?
    @OptionalField(key: "igst") var igst: Int64?
    /// Whether `unit_price` (and `discount`) include GST; nil on lines from before means they do not.
    @OptionalField(key: "price_includes_gst") var priceIncludesGST: Bool?

    init() {}

    /// The line's tax by head; old lines split their tax as invoices did then.
    func split(interState legacyInterState: Bool) -> GSTHeads {
        if let cgst, let sgst, let igst { return GSTHeads(cgst: cgst, sgst: sgst, igst: igst) }
        return legacyInterState ? GSTHeads(cgst: 0, sgst: 0, igst: tax) : GSTHeads(cgst: tax / 2, sgst: tax - tax / 2, igst: 0)
    }
}

enum PaymentMode: String, Codable, Sendable, CaseIterable {
    case cash, upi, card, bank, cheque, other

    /// Its name as printed: "UPI", "Bank transfer".
    var label: String {
        switch self {
        case .cash: return "Cash"
        case .upi: return "UPI"
        case .card: return "Card"
        case .bank: return "Bank transfer"
        case .cheque: return "Cheque"
        case .other: return "Other"
        }
    }

    /// Inside a sentence: "paid by UPI", "paid by bank transfer".
    var inSentence: String {
        switch self {
        case .upi: return "UPI"
        case .other: return "other means"
        default: return label.lowercased()
        }
    }
}

final class Payment: Model, @unchecked Sendable {
    static let schema = "payments"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "amount") var amount: Int64
    @Enum(key: "mode") var mode: PaymentMode
    @OptionalField(key: "reference") var reference: String?
    @Field(key: "paid_on") var paidOn: String
    @OptionalField(key: "notes") var notes: String?
    /// The part of `amount` not allocated to any invoice: the customer's credit.
    @Field(key: "unallocated") var unallocated: Int64
    /// The cash, bank or UPI account the money went into (Books).
    @OptionalField(key: "account_id") var accountID: UUID?
    @OptionalField(key: "created_by") var createdBy: UUID?
    /// Set by the service from its clock (not a Fluent timestamp) so it orders with issued_at.
    @OptionalField(key: "created_at") var createdAt: Date?

    init() {}
}

final class PaymentAllocation: Model, @unchecked Sendable {
    static let schema = "payment_allocations"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "payment_id") var paymentID: UUID
    @Field(key: "invoice_id") var invoiceID: UUID
    @Field(key: "amount") var amount: Int64
    /// Set when the invoice is voided: the allocation is kept for history, its money becomes credit.
    @OptionalField(key: "released_at") var releasedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A credit note against an issued invoice (issue 17 §3): goods returned or a price corrected.
/// Its own gap-free series per business (`CN-0001`), amounts by head as credited.
final class CreditNote: Model, @unchecked Sendable {
    static let schema = "credit_notes"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "invoice_id") var invoiceID: UUID
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "number") var number: Int64
    @Field(key: "issue_date") var issueDate: String
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "place_of_supply") var placeOfSupply: String?
    @Field(key: "taxable") var taxable: Int64
    @Field(key: "cgst") var cgst: Int64
    @Field(key: "sgst") var sgst: Int64
    @Field(key: "igst") var igst: Int64
    @Field(key: "tax_total") var taxTotal: Int64
    @Field(key: "total") var total: Int64
    /// The invoice's round-off, taken back by the note that returns the last of it.
    @OptionalField(key: "round_off") var roundOff: Int64?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    var numberText: String { String(format: "CN-%04lld", number) }
}

final class CreditNoteItem: Model, @unchecked Sendable {
    static let schema = "credit_note_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "credit_note_id") var creditNoteID: UUID
    @Field(key: "invoice_item_id") var invoiceItemID: UUID
    @Field(key: "position") var position: Int
    @OptionalField(key: "product_id") var productID: UUID?
    @Field(key: "description") var description: String
    @Field(key: "quantity") var quantity: Int64
    @Field(key: "unit") var unit: String
    @Field(key: "unit_price") var unitPrice: Int64
    @OptionalField(key: "gst_rate_bp") var gstRateBP: Int64?
    @OptionalField(key: "hsn") var hsn: String?
    @Field(key: "taxable") var taxable: Int64
    @Field(key: "cgst") var cgst: Int64
    @Field(key: "sgst") var sgst: Int64
    @Field(key: "igst") var igst: Int64
    @Field(key: "total") var total: Int64
    /// What a returned unit cost when it was sold (paise, GST excluded): takes it back out of the
    /// cost of goods sold.
    @Field(key: "unit_cost") var unitCost: Int64

    init() {}

    var tax: Int64 { cgst + sgst + igst }
}

extension Customer {
    /// The tags in their stored order.
    var tagList: [String] { (tags ?? "").split(separator: ",").map(String.init) }
    /// The stored form of a tag list (nil for none).
    static func storedTags(_ list: [String]) -> String? { list.isEmpty ? nil : "," + list.joined(separator: ",") + "," }
}
