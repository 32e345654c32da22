import Fluent
import Foundation

/// A party the business buys from. `balance` is what the business owes them: opening balance
/// + Σ purchase bills (not void) − Σ payments to them, kept in the same transaction as each change.
final class Supplier: Model, @unchecked Sendable {
    static let schema = "suppliers"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "name") var name: String
    /// Lowercased, single-spaced name: unique per business.
    @Field(key: "name_key") var nameKey: String
    @OptionalField(key: "phone") var phone: String?
    @OptionalField(key: "gstin") var gstin: String?
    @OptionalField(key: "state") var state: String?
    @OptionalField(key: "address") var address: String?
    @Field(key: "opening_balance") var openingBalance: Int64
    @Field(key: "balance") var balance: Int64
    @OptionalField(key: "archived_at") var archivedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

enum PurchaseStatus: String, Codable, Sendable, CaseIterable {
    case unpaid, partiallyPaid = "partially_paid", paid, void

    static let open: [PurchaseStatus] = [.unpaid, .partiallyPaid]
}

/// A supplier's bill: recording it raises stock (a `purchase` movement per line) and the payable
/// in one transaction; voiding keeps it and reverses both.
final class PurchaseBill: Model, @unchecked Sendable {
    static let schema = "purchase_bills"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "supplier_id") var supplierID: UUID
    /// The supplier's own bill number, as printed on their bill.
    @OptionalField(key: "bill_number") var billNumber: String?
    @Field(key: "bill_date") var billDate: String
    @Enum(key: "status") var status: PurchaseStatus
    /// The supplier is in another state than the business: IGST instead of CGST + SGST.
    @Field(key: "inter_state") var interState: Bool
    @Field(key: "subtotal") var subtotal: Int64
    @Field(key: "tax_total") var taxTotal: Int64
    @Field(key: "total") var total: Int64
    @Field(key: "amount_paid") var amountPaid: Int64
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "voided_at") var voidedAt: Date?
    @OptionalField(key: "void_reason") var voidReason: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// How the bill is named to the owner: the supplier's number, or the date.
    var reference: String { billNumber.map { "bill \($0)" } ?? "bill of \(billDate)" }
}

final class PurchaseItem: Model, @unchecked Sendable {
    static let schema = "purchase_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "bill_id") var billID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "product_id") var productID: UUID
    @Field(key: "description") var description: String
    @Field(key: "quantity") var quantity: Int64
    @Field(key: "unit") var unit: String
    @Field(key: "unit_cost") var unitCost: Int64
    @OptionalField(key: "gst_rate_bp") var gstRateBP: Int64?
    @OptionalField(key: "hsn") var hsn: String?
    @Field(key: "taxable") var taxable: Int64
    @Field(key: "tax") var tax: Int64
    @Field(key: "total") var total: Int64

    init() {}
}

final class SupplierPayment: Model, @unchecked Sendable {
    static let schema = "supplier_payments"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "supplier_id") var supplierID: UUID
    @Field(key: "amount") var amount: Int64
    @Enum(key: "mode") var mode: PaymentMode
    @Field(key: "account_id") var accountID: UUID
    @OptionalField(key: "reference") var reference: String?
    @Field(key: "paid_on") var paidOn: String
    @OptionalField(key: "notes") var notes: String?
    /// The part not allocated to any bill: an advance to the supplier.
    @Field(key: "unallocated") var unallocated: Int64
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class SupplierAllocation: Model, @unchecked Sendable {
    static let schema = "supplier_allocations"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "payment_id") var paymentID: UUID
    @Field(key: "bill_id") var billID: UUID
    @Field(key: "amount") var amount: Int64
    /// Set when the bill is voided: the money becomes an advance again.
    @OptionalField(key: "released_at") var releasedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class ExpenseCategory: Model, @unchecked Sendable {
    static let schema = "expense_categories"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class Expense: Model, @unchecked Sendable {
    static let schema = "expenses"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "spent_on") var spentOn: String
    /// What left the account, GST included.
    @Field(key: "amount") var amount: Int64
    @Field(key: "category") var category: String
    @Field(key: "account_id") var accountID: UUID
    /// Input tax included in `amount` (0 when none); profit and loss counts amount − this.
    @Field(key: "gst_paid") var gstPaid: Int64
    @OptionalField(key: "supplier_id") var supplierID: UUID?
    @OptionalField(key: "note") var note: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    /// The receipt's media type and size when one is attached (the file is an `ExpenseReceipt`).
    @OptionalField(key: "receipt_type") var receiptType: String?
    @OptionalField(key: "receipt_size") var receiptSize: Int64?

    init() {}
}

/// The photo or PDF of an expense's receipt; `id` is the expense's id.
final class ExpenseReceipt: Model, @unchecked Sendable {
    static let schema = "expense_receipts"

    @ID(custom: .id, generatedBy: .user) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "content_type") var contentType: String
    @Field(key: "data") var data: Data
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(expenseID: UUID, businessID: UUID, contentType: String, data: Data, at: Date) {
        id = expenseID
        self.businessID = businessID
        self.contentType = contentType
        self.data = data
        createdAt = at
    }

    /// The media type a file's first bytes show, among those a receipt may be: JPEG, PNG, PDF.
    static func sniff(_ bytes: some Collection<UInt8>) -> String? {
        let head = Array(bytes.prefix(8))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if head.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        return nil
    }

    static let maxBytes = 5 * 1024 * 1024
    static let types = ["image/jpeg", "image/png", "application/pdf"]
}

enum MoneyAccountKind: String, Codable, Sendable, CaseIterable {
    case cash, bank, upi
}

/// Where the business's money sits: cash in hand, a bank account, a UPI wallet.
/// `balance` = opening balance + Σ entries, kept in the same transaction as each entry.
final class MoneyAccount: Model, @unchecked Sendable {
    static let schema = "money_accounts"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @Enum(key: "kind") var kind: MoneyAccountKind
    @OptionalField(key: "last4") var last4: String?
    @Field(key: "opening_balance") var openingBalance: Int64
    @Field(key: "balance") var balance: Int64
    /// "cash" for the cash-in-hand account every business has (one per business).
    @OptionalField(key: "system_key") var systemKey: String?
    @OptionalField(key: "archived_at") var archivedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

enum EntryKind: String, Codable, Sendable, CaseIterable {
    case customerPayment = "customer_payment", supplierPayment = "supplier_payment", expense
    case transferIn = "transfer_in", transferOut = "transfer_out"
}

/// One movement of money in or out of an account (positive: in).
final class AccountEntry: Model, @unchecked Sendable {
    static let schema = "account_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "entry_date") var entryDate: String
    @Field(key: "amount") var amount: Int64
    @Enum(key: "kind") var kind: EntryKind
    @OptionalField(key: "source_id") var sourceID: UUID?
    @Field(key: "description") var description: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
