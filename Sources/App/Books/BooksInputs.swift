import Foundation
import Vapor

struct SupplierInput: Decodable, Sendable {
    let name: String
    var phone: String?
    var gstin: String?
    var state: String?
    var address: String?
    /// What the business already owed the supplier when it started with Munim (paise).
    var openingBalance: Int64?
}

struct SupplierPatch: Decodable, Sendable {
    var name: Patch<String> = .absent
    var phone: Patch<String> = .absent
    var gstin: Patch<String> = .absent
    var state: Patch<String> = .absent
    var address: Patch<String> = .absent
    var archived: Patch<Bool> = .absent
}

struct PurchaseLineInput: Decodable, Sendable {
    var productId: UUID?
    /// A line without `product_id` names the product: an existing one (ignoring case) or a new one.
    var productName: String?
    /// For a product created inline: its unit and sale price.
    var unit: String?
    var salePrice: Int64?
    let quantity: Quantity
    /// Cost per unit, GST excluded (paise).
    let unitCost: Int64
    /// Absent: the product's rate; null: no GST on this line.
    var gstRate: Patch<GSTRate> = .absent
    var hsn: String?
}

struct PurchaseInput: Decodable, Sendable {
    let supplierId: UUID
    var billNumber: String?
    var billDate: String?
    let items: [PurchaseLineInput]
    /// Paid to the supplier with the bill (paise).
    var amountPaid: Int64?
    var mode: PaymentMode?
    var accountId: UUID?
    var notes: String?
}

struct SupplierPaymentInput: Decodable, Sendable {
    let supplierId: UUID
    let amount: Int64
    let mode: PaymentMode
    var accountId: UUID?
    var reference: String?
    var paidOn: String?
    /// Allocated to this bill first, then the oldest open ones.
    var billId: UUID?
    var notes: String?
}

struct ExpenseInput: Decodable, Sendable {
    let amount: Int64
    let category: String
    var date: String?
    var accountId: UUID?
    /// Picks the default account when `account_id` is absent (cash by default).
    var mode: PaymentMode?
    /// Input tax included in `amount` (paise).
    var gstPaid: Int64?
    var supplierId: UUID?
    var note: String?
}

struct CategoryInput: Decodable, Sendable {
    let name: String
}

struct MoneyAccountInput: Decodable, Sendable {
    let name: String
    let kind: MoneyAccountKind
    var last4: String?
    var openingBalance: Int64?
}

struct MoneyAccountPatch: Decodable, Sendable {
    var name: Patch<String> = .absent
    var last4: Patch<String> = .absent
    /// Changing it moves the balance by the same amount (the entries stay).
    var openingBalance: Patch<Int64> = .absent
    var archived: Patch<Bool> = .absent
}

struct TransferInput: Decodable, Sendable {
    let fromAccountId: UUID
    let toAccountId: UUID
    let amount: Int64
    var date: String?
    var note: String?
}
