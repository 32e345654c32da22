import Fluent
import Foundation
import Vapor

struct SupplierDTO: Content {
    let id: UUID
    let name: String
    @NullEncoded var phone: String?
    @NullEncoded var gstin: String?
    @NullEncoded var state: String?
    @NullEncoded var address: String?
    let openingBalance: Int64
    /// What the business owes the supplier (paise); negative: an advance paid.
    let balance: Int64
    /// The customer with the same phone number, shown as linked; balances stay separate.
    @NullEncoded var linkedCustomerId: UUID?
    let archived: Bool
    @NullEncoded var createdAt: Date?
    @NullEncoded var updatedAt: Date?

    init(_ s: Supplier, linkedCustomer: UUID? = nil) {
        id = s.id!
        name = s.name
        phone = s.phone
        gstin = s.gstin
        state = s.state
        address = s.address
        openingBalance = s.openingBalance
        balance = s.balance
        linkedCustomerId = linkedCustomer
        archived = s.archivedAt != nil
        createdAt = s.createdAt
        updatedAt = s.updatedAt
    }
}

struct PartyRef: Content {
    let id: UUID
    let name: String
}

struct PurchaseItemDTO: Content {
    let id: UUID
    let productId: UUID
    let description: String
    let quantity: Quantity
    let unit: String
    let unitCost: Int64
    @NullEncoded var gstRate: GSTRate?
    @NullEncoded var hsn: String?
    let taxable: Int64
    let tax: Int64
    let total: Int64
}

struct BillPaymentDTO: Content {
    let paymentId: UUID
    let amount: Int64
    let paidOn: String
    let mode: PaymentMode
}

struct PurchaseDTO: Content {
    let id: UUID
    let supplier: PartyRef
    @NullEncoded var billNumber: String?
    let billDate: String
    let status: PurchaseStatus
    let interState: Bool
    let items: [PurchaseItemDTO]
    let subtotal: Int64
    /// CGST and SGST (equal halves) within the state, IGST across; the others are 0.
    let cgst: Int64
    let sgst: Int64
    let igst: Int64
    let taxTotal: Int64
    let total: Int64
    let amountPaid: Int64
    let balanceDue: Int64
    let payments: [BillPaymentDTO]
    @NullEncoded var notes: String?
    @NullEncoded var voidedAt: Date?
    @NullEncoded var voidReason: String?
    let createdAt: Date
}

struct SupplierAllocationDTO: Content {
    let billId: UUID
    @NullEncoded var billNumber: String?
    let amount: Int64
}

struct SupplierPaymentDTO: Content {
    let id: UUID
    let supplier: PartyRef
    let amount: Int64
    let mode: PaymentMode
    let accountId: UUID
    @NullEncoded var reference: String?
    let paidOn: String
    @NullEncoded var notes: String?
    let unallocated: Int64
    let allocations: [SupplierAllocationDTO]
    let createdAt: Date
}

struct ExpenseDTO: Content {
    let id: UUID
    let date: String
    let amount: Int64
    let category: String
    let accountId: UUID
    let gstPaid: Int64
    @NullEncoded var supplierId: UUID?
    @NullEncoded var note: String?
    /// The attached receipt, or null.
    @NullEncoded var receipt: ReceiptDTO?
    let createdAt: Date

    init(_ e: Expense) {
        id = e.id!
        date = e.spentOn
        amount = e.amount
        category = e.category
        accountId = e.accountID
        gstPaid = e.gstPaid
        supplierId = e.supplierID
        note = e.note
        receipt = e.receiptType.map { ReceiptDTO(contentType: $0, size: e.receiptSize ?? 0, url: Endpoint.expenseReceipt.path(e.id!)) }
        createdAt = e.createdAt
    }
}

struct ReceiptDTO: Content {
    let contentType: String
    let size: Int64
    let url: String
}

struct CategoryDTO: Content {
    let name: String
    let custom: Bool
}

struct CategoryListDTO: Content {
    let items: [CategoryDTO]
}

struct CategoryTotalDTO: Content {
    let category: String
    let amount: Int64
}

struct MoneyAccountDTO: Content {
    let id: UUID
    let name: String
    let kind: MoneyAccountKind
    @NullEncoded var last4: String?
    let openingBalance: Int64
    let balance: Int64
    let archived: Bool
    let createdAt: Date

    init(_ a: MoneyAccount) {
        id = a.id!
        name = a.name
        kind = a.kind
        last4 = a.last4
        openingBalance = a.openingBalance
        balance = a.balance
        archived = a.archivedAt != nil
        createdAt = a.createdAt
    }
}

struct MoneyAccountListDTO: Content {
    let items: [MoneyAccountDTO]
    /// Σ balances of the active accounts.
    let total: Int64
}

struct AccountEntryDTO: Content {
    let id: UUID
    let date: String
    let kind: EntryKind
    let description: String
    /// Money in (paise), 0 for money out.
    let moneyIn: Int64
    let moneyOut: Int64
    let balance: Int64
    @NullEncoded var sourceId: UUID?
}

struct AccountBookDTO: Content {
    let account: MoneyAccountDTO
    @NullEncoded var from: String?
    @NullEncoded var to: String?
    let openingBalance: Int64
    let closingBalance: Int64
    let totalIn: Int64
    let totalOut: Int64
    let entries: [AccountEntryDTO]
}

struct TransferDTO: Content {
    let id: UUID
    let fromAccountId: UUID
    let toAccountId: UUID
    let amount: Int64
    let date: String
}

struct SupplierStatementEntryDTO: Content {
    let date: String
    let kind: String
    let reference: String
    let description: String
    /// Payable up (a bill).
    let credit: Int64
    /// Payable down (a payment, a voided bill).
    let debit: Int64
    let balance: Int64
    @NullEncoded var purchaseId: UUID?
    @NullEncoded var paymentId: UUID?
}

struct SupplierStatementDTO: Content {
    let supplier: SupplierDTO
    @NullEncoded var from: String?
    @NullEncoded var to: String?
    let openingBalance: Int64
    let closingBalance: Int64
    let entries: [SupplierStatementEntryDTO]
}

struct PeriodFiguresDTO: Content {
    let from: String
    let to: String
    let sales: Int64
    let costOfGoodsSold: Int64
    let grossProfit: Int64
    let expenses: Int64
    let netProfit: Int64
}

struct ProfitAndLossDTO: Content {
    let from: String
    let to: String
    let sales: Int64
    let costOfGoodsSold: Int64
    let grossProfit: Int64
    let expenses: Int64
    let expensesByCategory: [CategoryTotalDTO]
    let netProfit: Int64
    /// The same figures for the period of equal length just before.
    let previous: PeriodFiguresDTO
    let note: String
}

/// Builds the DTOs of bills and supplier payments with their parties, lines and allocations in a
/// few queries (no N+1), scoped to the business.
enum BooksViews {
    static func purchases(_ bills: [PurchaseBill], businessID: UUID, on db: any Database) async throws -> [PurchaseDTO] {
        guard !bills.isEmpty else { return [] }
        let ids = bills.map { $0.id! }
        let items = try await PurchaseItem.query(on: db).filter(\.$businessID == businessID).filter(\.$billID ~~ ids).sort(\.$position).all()
        let allocations = try await SupplierAllocation.query(on: db).filter(\.$businessID == businessID).filter(\.$billID ~~ ids)
            .filter(\.$releasedAt == nil).all()
        let payments = allocations.isEmpty ? [] : try await SupplierPayment.query(on: db).filter(\.$id ~~ Array(Set(allocations.map(\.paymentID)))).all()
        let suppliers = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$id ~~ Array(Set(bills.map(\.supplierID)))).all()
        let itemsBy = Dictionary(grouping: items, by: \.billID)
        let allocBy = Dictionary(grouping: allocations, by: \.billID)
        let paymentBy = Dictionary(uniqueKeysWithValues: payments.map { ($0.id!, $0) })
        let supplierBy = Dictionary(uniqueKeysWithValues: suppliers.map { ($0.id!, $0) })
        return bills.map { b in
            let half = b.interState ? 0 : b.taxTotal / 2
            return PurchaseDTO(
                id: b.id!, supplier: PartyRef(id: b.supplierID, name: supplierBy[b.supplierID]?.name ?? ""), billNumber: b.billNumber,
                billDate: b.billDate, status: b.status, interState: b.interState,
                items: (itemsBy[b.id!] ?? []).map {
                    PurchaseItemDTO(id: $0.id!, productId: $0.productID, description: $0.description, quantity: Quantity(thousandths: $0.quantity),
                                    unit: $0.unit, unitCost: $0.unitCost, gstRate: $0.gstRateBP.map(GSTRate.init(basisPoints:)), hsn: $0.hsn,
                                    taxable: $0.taxable, tax: $0.tax, total: $0.total)
                },
                subtotal: b.subtotal, cgst: half, sgst: half, igst: b.interState ? b.taxTotal : 0, taxTotal: b.taxTotal, total: b.total,
                amountPaid: b.amountPaid, balanceDue: b.status == .void ? 0 : b.total - b.amountPaid,
                payments: (allocBy[b.id!] ?? []).sorted { $0.createdAt < $1.createdAt }.compactMap { a in
                    paymentBy[a.paymentID].map { BillPaymentDTO(paymentId: $0.id!, amount: a.amount, paidOn: $0.paidOn, mode: $0.mode) }
                },
                notes: b.notes, voidedAt: b.voidedAt, voidReason: b.voidReason, createdAt: b.createdAt)
        }
    }

    static func supplierPayments(_ payments: [SupplierPayment], businessID: UUID, on db: any Database) async throws -> [SupplierPaymentDTO] {
        guard !payments.isEmpty else { return [] }
        let ids = payments.map { $0.id! }
        let allocations = try await SupplierAllocation.query(on: db).filter(\.$businessID == businessID).filter(\.$paymentID ~~ ids)
            .filter(\.$releasedAt == nil).all()
        let bills = allocations.isEmpty ? [] : try await PurchaseBill.query(on: db).filter(\.$id ~~ Array(Set(allocations.map(\.billID)))).all()
        let suppliers = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$id ~~ Array(Set(payments.map(\.supplierID)))).all()
        let allocBy = Dictionary(grouping: allocations, by: \.paymentID)
        let billBy = Dictionary(uniqueKeysWithValues: bills.map { ($0.id!, $0) })
        let supplierBy = Dictionary(uniqueKeysWithValues: suppliers.map { ($0.id!, $0) })
        return payments.map { p in
            SupplierPaymentDTO(
                id: p.id!, supplier: PartyRef(id: p.supplierID, name: supplierBy[p.supplierID]?.name ?? ""), amount: p.amount, mode: p.mode,
                accountId: p.accountID, reference: p.reference, paidOn: p.paidOn, notes: p.notes, unallocated: p.unallocated,
                allocations: (allocBy[p.id!] ?? []).sorted { $0.createdAt < $1.createdAt }.map {
                    SupplierAllocationDTO(billId: $0.billID, billNumber: billBy[$0.billID]?.billNumber, amount: $0.amount)
                },
                createdAt: p.createdAt)
        }
    }

    static func suppliers(_ rows: [Supplier], businessID: UUID, on db: any Database) async throws -> [SupplierDTO] {
        let linked = try await LedgerReads(db: db, businessID: businessID).customerIDs(phones: rows.compactMap(\.phone))
        return rows.map { SupplierDTO($0, linkedCustomer: $0.phone.flatMap { linked[$0] }) }
    }
}
