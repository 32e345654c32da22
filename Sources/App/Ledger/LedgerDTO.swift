import Fluent
import Foundation
import Vapor

struct CustomerDTO: Content {
    let id: UUID
    let name: String
    @NullEncoded var phone: String?
    @NullEncoded var email: String?
    @NullEncoded var address: String?
    @NullEncoded var state: String?
    @NullEncoded var gstin: String?
    @NullEncoded var notes: String?
    let tags: [String]
    let balance: Int64
    let archived: Bool
    @NullEncoded var createdAt: Date?
    @NullEncoded var updatedAt: Date?

    init(_ c: Customer) {
        id = c.id!
        name = c.name
        phone = c.phone
        email = c.email
        address = c.address
        state = c.state
        gstin = c.gstin
        notes = c.notes
        tags = c.tagList
        balance = c.balance
        archived = c.archivedAt != nil
        createdAt = c.createdAt
        updatedAt = c.updatedAt
    }
}

struct ProductDTO: Content {
    let id: UUID
    let name: String
    let unit: String
    @NullEncoded var sku: String?
    let price: Int64
    let stock: Quantity
    let lowStockThreshold: Quantity
    let lowStock: Bool
    @NullEncoded var hsn: String?
    @NullEncoded var gstRate: GSTRate?
    /// Weighted average cost per unit (paise, GST excluded).
    let averageCost: Int64
    let priceIncludesGst: Bool
    let archived: Bool
    @NullEncoded var createdAt: Date?
    @NullEncoded var updatedAt: Date?

    init(_ p: Product) {
        id = p.id!
        name = p.name
        unit = p.unit
        sku = p.sku
        price = p.price
        stock = Quantity(thousandths: p.stock)
        lowStockThreshold = Quantity(thousandths: p.lowStockThreshold)
        lowStock = p.stock <= p.lowStockThreshold
        hsn = p.hsn
        gstRate = p.gstRateBP.map(GSTRate.init(basisPoints:))
        averageCost = p.averageCost
        priceIncludesGst = p.priceIncludesGST
        archived = p.archivedAt != nil
        createdAt = p.createdAt
        updatedAt = p.updatedAt
    }
}

struct MovementDTO: Content {
    let id: UUID
    let delta: Quantity
    let kind: MovementKind
    let reason: String
    @NullEncoded var invoiceId: UUID?
    @NullEncoded var userId: UUID?
    @NullEncoded var purchaseId: UUID?
    @NullEncoded var unitCost: Int64?
    let stockAfter: Quantity
    let createdAt: Date

    init(_ m: StockMovement) {
        id = m.id!
        delta = Quantity(thousandths: m.delta)
        kind = m.kind
        reason = m.reason
        invoiceId = m.invoiceID
        userId = m.userID
        purchaseId = m.purchaseID
        unitCost = m.unitCost
        stockAfter = Quantity(thousandths: m.stockAfter)
        createdAt = m.createdAt
    }
}

struct CustomerRef: Content {
    let id: UUID
    let name: String
    @NullEncoded var phone: String?
    /// A registered buyer's GSTIN (a B2B invoice).
    @NullEncoded var gstin: String? = nil
}

struct InvoiceItemDTO: Content {
    let id: UUID
    @NullEncoded var productId: UUID?
    let description: String
    let quantity: Quantity
    let unit: String
    let unitPrice: Int64
    let discount: Int64
    @NullEncoded var gstRate: GSTRate?
    @NullEncoded var hsn: String?
    let taxable: Int64
    let tax: Int64
    let total: Int64
    /// The same as `taxable` (the GST name for it).
    let taxableValue: Int64
    let cgst: Int64
    let sgst: Int64
    let igst: Int64
    /// Whether `unit_price` and `discount` include GST (the line total is then exactly their difference).
    let priceIncludesGst: Bool
}

struct InvoicePaymentDTO: Content {
    let paymentId: UUID
    let amount: Int64
    let paidOn: String
    let mode: PaymentMode
    @NullEncoded var reference: String?
}

struct InvoiceDTO: Content {
    let id: UUID
    @NullEncoded var number: String?
    let status: InvoiceStatus
    let customer: CustomerRef
    let issueDate: String
    @NullEncoded var dueDate: String?
    @NullEncoded var notes: String?
    /// The state supplied to (null when neither party's state is known).
    @NullEncoded var placeOfSupply: String?
    @NullEncoded var placeOfSupplyCode: String?
    let interState: Bool
    let items: [InvoiceItemDTO]
    let subtotal: Int64
    let discountTotal: Int64
    let taxTotal: Int64
    let cgst: Int64
    let sgst: Int64
    let igst: Int64
    let total: Int64
    let amountPaid: Int64
    /// Σ its credit notes' totals (issue 17 §3).
    let credited: Int64
    /// Paise the total was rounded to the rupee by (0: not rounded).
    let roundOff: Int64
    let balanceDue: Int64
    let payments: [InvoicePaymentDTO]
    let creditNotes: [CreditNoteRefDTO]
    @NullEncoded var issuedAt: Date?
    @NullEncoded var voidedAt: Date?
    @NullEncoded var voidReason: String?
    @NullEncoded var createdAt: Date?
    @NullEncoded var updatedAt: Date?
}

struct CreditNoteRefDTO: Content {
    let id: UUID
    let number: String
    let issueDate: String
    let total: Int64

    init(_ n: CreditNote) {
        id = n.id!
        number = n.numberText
        issueDate = n.issueDate
        total = n.total
    }
}

struct CreditNoteItemDTO: Content {
    let id: UUID
    let invoiceItemId: UUID
    @NullEncoded var productId: UUID?
    let description: String
    let quantity: Quantity
    let unit: String
    let unitPrice: Int64
    @NullEncoded var gstRate: GSTRate?
    @NullEncoded var hsn: String?
    let taxableValue: Int64
    let cgst: Int64
    let sgst: Int64
    let igst: Int64
    let total: Int64
}

struct CreditNoteDTO: Content {
    let id: UUID
    let number: String
    let invoiceId: UUID
    let invoiceNumber: String
    let customer: PaymentCustomerRef
    let issueDate: String
    @NullEncoded var reason: String?
    @NullEncoded var placeOfSupply: String?
    let items: [CreditNoteItemDTO]
    let taxableValue: Int64
    let cgst: Int64
    let sgst: Int64
    let igst: Int64
    let taxTotal: Int64
    let roundOff: Int64
    let total: Int64
    @NullEncoded var createdAt: Date?

    init(_ n: CreditNote, items: [CreditNoteItem], invoiceNumber: String, customerName: String) {
        id = n.id!
        number = n.numberText
        invoiceId = n.invoiceID
        self.invoiceNumber = invoiceNumber
        customer = PaymentCustomerRef(id: n.customerID, name: customerName)
        issueDate = n.issueDate
        reason = n.reason
        placeOfSupply = n.placeOfSupply
        self.items = items.sorted { $0.position < $1.position }.map { i in
            CreditNoteItemDTO(id: i.id!, invoiceItemId: i.invoiceItemID, productId: i.productID, description: i.description,
                              quantity: Quantity(thousandths: i.quantity), unit: i.unit, unitPrice: i.unitPrice,
                              gstRate: i.gstRateBP.map(GSTRate.init(basisPoints:)), hsn: i.hsn, taxableValue: i.taxable,
                              cgst: i.cgst, sgst: i.sgst, igst: i.igst, total: i.total)
        }
        taxableValue = n.taxable
        cgst = n.cgst
        sgst = n.sgst
        igst = n.igst
        taxTotal = n.taxTotal
        roundOff = n.roundOff ?? 0
        total = n.total
        createdAt = n.createdAt
    }
}

struct AllocationDTO: Content {
    let invoiceId: UUID
    @NullEncoded var invoiceNumber: String?
    let amount: Int64
}

struct PaymentCustomerRef: Content {
    let id: UUID
    let name: String
}

struct PaymentDTO: Content {
    let id: UUID
    let customer: PaymentCustomerRef
    let amount: Int64
    let mode: PaymentMode
    @NullEncoded var reference: String?
    let paidOn: String
    @NullEncoded var notes: String?
    let unallocated: Int64
    let allocations: [AllocationDTO]
    /// The cash, bank or UPI account the money went into (none for payments recorded before accounts existed).
    @NullEncoded var accountId: UUID?
    @NullEncoded var createdAt: Date?
}

struct DeletionDTO: Content {
    let deleted: Bool
    let archived: Bool
}

struct StatementEntryDTO: Content {
    let date: String
    let kind: String
    let reference: String
    let description: String
    let debit: Int64
    let credit: Int64
    let balance: Int64
    @NullEncoded var invoiceId: UUID?
    @NullEncoded var paymentId: UUID?
}

struct StatementDTO: Content {
    let customer: CustomerDTO
    @NullEncoded var from: String?
    @NullEncoded var to: String?
    let openingBalance: Int64
    let closingBalance: Int64
    let entries: [StatementEntryDTO]
}

/// Builds response DTOs with batched queries (one query per related table, not per row).
enum LedgerViews {
    static func invoices(_ invoices: [Invoice], on db: any Database) async throws -> [InvoiceDTO] {
        guard !invoices.isEmpty else { return [] }
        let ids = invoices.map { $0.id! }
        let items = try await InvoiceItem.query(on: db).filter(\.$invoiceID ~~ ids).sort(\.$position).all()
        let customers = try await Customer.query(on: db).filter(\.$id ~~ Array(Set(invoices.map(\.customerID)))).all()
        let allocations = try await PaymentAllocation.query(on: db).filter(\.$invoiceID ~~ ids).filter(\.$releasedAt == nil).all()
        let payments = allocations.isEmpty ? [] : try await Payment.query(on: db).filter(\.$id ~~ Array(Set(allocations.map(\.paymentID)))).all()
        let itemsBy = Dictionary(grouping: items, by: \.invoiceID)
        let notes = try await CreditNote.query(on: db).filter(\.$invoiceID ~~ ids).sort(\.$number).all()
        let notesBy = Dictionary(grouping: notes, by: \.invoiceID)
        let customerBy = Dictionary(uniqueKeysWithValues: customers.map { ($0.id!, $0) })
        let allocBy = Dictionary(grouping: allocations, by: \.invoiceID)
        let paymentBy = Dictionary(uniqueKeysWithValues: payments.map { ($0.id!, $0) })
        var ownState: [UUID: String?] = [:]
        for b in Set(invoices.map(\.businessID)) { ownState[b] = try await AccountsService(db: db).business(b).state }
        return try invoices.map { inv in
            let c = customerBy[inv.customerID]
            // Invoices from before issue 17 have no place of supply: the customer's state, as then.
            let own = ownState[inv.businessID] ?? nil
            let place = inv.placeOfSupply ?? c?.state ?? own
            let interState = place != nil && own != nil && place != own
            let lines = (itemsBy[inv.id!] ?? []).map { i -> InvoiceItemDTO in
                let heads = i.split(interState: interState)
                return InvoiceItemDTO(id: i.id!, productId: i.productID, description: i.description,
                                      quantity: Quantity(thousandths: i.quantity), unit: i.unit, unitPrice: i.unitPrice,
                                      discount: i.discount, gstRate: i.gstRateBP.map(GSTRate.init(basisPoints:)), hsn: i.hsn,
                                      taxable: i.taxable, tax: i.tax, total: i.total,
                                      taxableValue: i.taxable, cgst: heads.cgst, sgst: heads.sgst, igst: heads.igst,
                                      priceIncludesGst: i.priceIncludesGST ?? false)
            }
            let pays: [InvoicePaymentDTO] = (allocBy[inv.id!] ?? []).sorted { $0.createdAt < $1.createdAt }.compactMap { a in
                guard let p = paymentBy[a.paymentID] else { return nil }
                return InvoicePaymentDTO(paymentId: p.id!, amount: a.amount, paidOn: p.paidOn, mode: p.mode, reference: p.reference)
            }
            return InvoiceDTO(
                id: inv.id!, number: inv.numberText, status: inv.status,
                customer: CustomerRef(id: inv.customerID, name: c?.name ?? "", phone: c?.phone, gstin: c?.gstin),
                issueDate: inv.issueDate, dueDate: inv.dueDate, notes: inv.notes,
                placeOfSupply: place, placeOfSupplyCode: place.flatMap { p in Validate.states.first { $0.name == p }?.code },
                interState: interState, items: lines,
                subtotal: inv.subtotal, discountTotal: inv.discountTotal, taxTotal: inv.taxTotal,
                cgst: try Money.sum(lines.map(\.cgst), field: "cgst"), sgst: try Money.sum(lines.map(\.sgst), field: "sgst"),
                igst: try Money.sum(lines.map(\.igst), field: "igst"), total: inv.total,
                amountPaid: inv.amountPaid, credited: inv.credited ?? 0, roundOff: inv.roundOff ?? 0,
                balanceDue: (inv.status == .void || inv.status == .draft) ? 0 : inv.balanceDue,
                payments: pays, creditNotes: (notesBy[inv.id!] ?? []).map(CreditNoteRefDTO.init), issuedAt: inv.issuedAt, voidedAt: inv.voidedAt, voidReason: inv.voidReason,
                createdAt: inv.createdAt, updatedAt: inv.updatedAt)
        }
    }

    static func payments(_ payments: [Payment], on db: any Database) async throws -> [PaymentDTO] {
        guard !payments.isEmpty else { return [] }
        let ids = payments.map { $0.id! }
        let allocations = try await PaymentAllocation.query(on: db).filter(\.$paymentID ~~ ids).filter(\.$releasedAt == nil).all()
        let invoices = allocations.isEmpty ? [] : try await Invoice.query(on: db).filter(\.$id ~~ Array(Set(allocations.map(\.invoiceID)))).all()
        let customers = try await Customer.query(on: db).filter(\.$id ~~ Array(Set(payments.map(\.customerID)))).all()
        let allocBy = Dictionary(grouping: allocations, by: \.paymentID)
        let invoiceBy = Dictionary(uniqueKeysWithValues: invoices.map { ($0.id!, $0) })
        let customerBy = Dictionary(uniqueKeysWithValues: customers.map { ($0.id!, $0) })
        return payments.map { p in
            PaymentDTO(
                id: p.id!, customer: PaymentCustomerRef(id: p.customerID, name: customerBy[p.customerID]?.name ?? ""),
                amount: p.amount, mode: p.mode, reference: p.reference, paidOn: p.paidOn, notes: p.notes,
                unallocated: p.unallocated,
                allocations: (allocBy[p.id!] ?? []).sorted { $0.createdAt < $1.createdAt }.map {
                    AllocationDTO(invoiceId: $0.invoiceID, invoiceNumber: invoiceBy[$0.invoiceID]?.numberText, amount: $0.amount)
                },
                accountId: p.accountID, createdAt: p.createdAt)
        }
    }
}
