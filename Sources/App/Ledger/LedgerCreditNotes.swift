import Fluent
import Foundation
import LedgerMath
import SQLKit
import Vapor

/// Credit notes (issue 17 §3): goods a customer returns on an issued invoice. One transaction
/// writes the note with its own gap-free number (CN-0001…), brings the stock back at the cost it
/// was sold at, lowers the customer's balance and the invoice's balance due, and turns any money
/// already paid beyond what is now due into the customer's credit (applied to their other open
/// invoices, oldest first). Amounts are the invoice line's own, in proportion to the quantity; the
/// last of a line takes exactly what is left, so a line returned in parts credits its total to
/// the paisa, and CGST stays equal to SGST.
extension LedgerService {
    func creditNotes(invoiceID: UUID) async throws -> [CreditNoteDTO] {
        let inv = try await invoice(invoiceID)
        let notes = try await CreditNote.query(on: db).filter(\.$businessID == businessID).filter(\.$invoiceID == invoiceID)
            .sort(\.$number).all()
        return try await creditNoteDTOs(notes, invoices: [inv])
    }

    func creditNote(_ id: UUID) async throws -> CreditNoteDTO {
        guard let note = try await CreditNote.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Credit note")
        }
        return try await creditNoteDTOs([note], invoices: [try await invoice(note.invoiceID)])[0]
    }

    func creditNoteDTOs(_ notes: [CreditNote], invoices: [Invoice]) async throws -> [CreditNoteDTO] {
        guard !notes.isEmpty else { return [] }
        let items = try await CreditNoteItem.query(on: db).filter(\.$businessID == businessID)
            .filter(\.$creditNoteID ~~ notes.map { $0.id! }).all()
        let itemsBy = Dictionary(grouping: items, by: \.creditNoteID)
        let invoiceBy = Dictionary(uniqueKeysWithValues: invoices.map { ($0.id!, $0) })
        let names = Dictionary(uniqueKeysWithValues: try await LedgerReads(db: db, businessID: businessID)
            .customers(Set(notes.map(\.customerID))).map { ($0.id!, $0.name) })
        return notes.map { n in
            CreditNoteDTO(n, items: itemsBy[n.id!] ?? [], invoiceNumber: invoiceBy[n.invoiceID]?.numberText ?? "",
                          customerName: names[n.customerID] ?? "")
        }
    }

    /// One line of a credit note before it is written: which invoice line, how much, and its amounts.
    struct CreditLine {
        let item: InvoiceItem
        let quantity: Int64
        let taxable: Int64
        let heads: GSTHeads
        var total: Int64 { taxable + heads.total }
    }

    func createCreditNote(invoiceID: UUID, _ input: CreditNoteInput) async throws -> CreditNoteDTO {
        var errors = FieldErrors()
        let reason = errors.check("reason", Validate.text(input.reason, max: 300)) ?? nil
        let issueDate = try optionalField("issue_date", input.issueDate, &errors, Validate.date)
        if input.items.isEmpty { errors.add("items", "needs at least one line") }
        if input.items.count > 200 { errors.add("items", "can have at most 200 lines") }
        for (i, l) in input.items.enumerated() {
            if l.productId == nil && l.itemId == nil { errors.add("items[\(i)].product_id", "is required (or item_id)") }
            if l.quantity.thousandths <= 0 { errors.add("items[\(i)].quantity", "must be greater than zero") }
            else { errors.quantity("items[\(i)].quantity", l.quantity) }
        }
        try errors.throwIfAny()
        let businessID = businessID, now = now, userID = userID
        let today = try await self.today()
        let noteID: UUID = try await write { tx in
            // The business row first: numbers stay gap-free and two returns of one line cannot both pass.
            try await AccountsService.lockBusiness(businessID, on: tx)
            let inv = try await invoice(invoiceID, on: tx)
            guard InvoiceStatus.posted.contains(inv.status) else {
                throw APIError.conflict("invalid_state", inv.status == .void
                    ? "This invoice is void: there is nothing left to credit."
                    : "Issue the invoice first: a draft has nothing to credit.")
            }
            let date = issueDate ?? max(today, inv.issueDate)
            if date < inv.issueDate {
                throw APIError.validation("issue_date", "must not be before the invoice's date (\(inv.issueDate))")
            }
            let (lines, returnsTheRest) = try await creditLines(inv, input.items, on: tx)
            let taxable = try Money.sum(lines.map(\.taxable), field: "total")
            let cgst = try Money.sum(lines.map(\.heads.cgst), field: "total")
            let sgst = try Money.sum(lines.map(\.heads.sgst), field: "total")
            let igst = try Money.sum(lines.map(\.heads.igst), field: "total")
            // The note that takes back the last of the invoice takes its round-off too, so the
            // notes add up to the invoice's total exactly.
            let roundOff = returnsTheRest ? inv.roundOff : nil
            let total = try Money.add(try Money.sum(lines.map(\.total), field: "total"), roundOff ?? 0, field: "total")
            let credited = try Money.add(inv.credited ?? 0, total, field: "total")
            guard credited <= inv.total else {
                throw APIError.conflict("over_credited", "Credit notes cannot add up to more than the invoice (\(Money.format(inv.total))).")
            }

            // 1. The note, numbered after the business's last one.
            let last = try await CreditNote.query(on: tx).filter(\.$businessID == businessID).max(\.$number) ?? 0
            let note = CreditNote()
            note.businessID = businessID
            note.invoiceID = invoiceID
            note.customerID = inv.customerID
            note.number = last + 1
            note.issueDate = date
            note.reason = reason
            note.placeOfSupply = inv.placeOfSupply
            note.taxable = taxable
            note.cgst = cgst
            note.sgst = sgst
            note.igst = igst
            note.taxTotal = cgst + sgst + igst
            note.total = total
            note.roundOff = roundOff
            note.createdBy = userID
            try await note.create(on: tx)

            // 2. Its lines; returned goods come back into stock at the cost they were sold at.
            let saleCosts = try await saleUnitCosts(invoiceID: invoiceID, on: tx)
            for (i, l) in lines.enumerated() {
                let row = CreditNoteItem()
                row.businessID = businessID
                row.creditNoteID = note.id!
                row.invoiceItemID = l.item.id!
                row.position = i
                row.productID = l.item.productID
                row.description = l.item.description
                row.quantity = l.quantity
                row.unit = l.item.unit
                row.unitPrice = l.item.unitPrice
                row.gstRateBP = l.item.gstRateBP
                row.hsn = l.item.hsn
                row.taxable = l.taxable
                row.cgst = l.heads.cgst
                row.sgst = l.heads.sgst
                row.igst = l.heads.igst
                row.total = l.total
                row.unitCost = l.item.productID.flatMap { saleCosts[$0] } ?? 0
                try await row.create(on: tx)
                if let pid = l.item.productID {
                    try await returnStock(productID: pid, quantity: l.quantity, unitCost: row.unitCost, invoiceID: invoiceID,
                                          reference: note.numberText, on: tx)
                }
            }

            // 3. The customer owes less; the invoice is credited. Money already paid beyond what is
            // now due is released to the customer's credit, latest allocation first.
            try await Self.addBalance(tx, businessID: businessID, customerID: inv.customerID, delta: -total, now: now)
            var paid = inv.amountPaid
            var excess = paid + credited - inv.total
            if excess > 0 {
                let allocations = try await PaymentAllocation.query(on: tx).filter(\.$businessID == businessID)
                    .filter(\.$invoiceID == invoiceID).filter(\.$releasedAt == nil).sort(\.$createdAt, .descending).all()
                for a in allocations where excess > 0 {
                    let take = min(a.amount, excess)
                    if take == a.amount {
                        try await PaymentAllocation.query(on: tx).filter(\.$id == a.id!).set(\.$releasedAt, to: now).update()
                    } else {
                        try await PaymentAllocation.query(on: tx).filter(\.$id == a.id!).set(\.$amount, to: a.amount - take).update()
                    }
                    try await tx.sql.update(Payment.schema)
                        .set(SQLIdentifier("unallocated"), to: SQLBinaryExpression(SQLIdentifier("unallocated"), .add, SQLBind(take)))
                        .where("id", .equal, a.paymentID).run()
                    excess -= take
                    paid -= take
                }
            }
            let status: InvoiceStatus = paid + credited >= inv.total ? .paid : paid > 0 ? .partiallyPaid : .issued
            try await Invoice.query(on: tx).filter(\.$id == invoiceID)
                .set(\.$credited, to: credited).set(\.$amountPaid, to: paid).set(\.$status, to: status).set(\.$updatedAt, to: now)
                .update()
            try await settleCredit(customerID: inv.customerID, preferred: nil, on: tx)
            IdempotencyScope.made(Endpoint.creditNote.path(note.id!.uuidString), status: 201)
            return note.id!
        }
        return try await creditNote(noteID)
    }

    /// Matches the requested lines to the invoice's lines and computes each share: in proportion
    /// to the quantity, the rest of the line exactly when the last of it comes back.
    private func creditLines(_ inv: Invoice, _ wanted: [CreditNoteLineInput], on tx: any Database) async throws -> ([CreditLine], Bool) {
        let items = try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == inv.id!)
            .sort(\.$position).all()
        let noteIDs = try await CreditNote.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == inv.id!).all(\.$id)
        let earlier = noteIDs.isEmpty ? [] : try await CreditNoteItem.query(on: tx).filter(\.$creditNoteID ~~ noteIDs).all()
        var done: [UUID: (qty: Int64, taxable: Int64, cgst: Int64, sgst: Int64, igst: Int64)] = [:]
        for e in earlier {
            let t = done[e.invoiceItemID] ?? (0, 0, 0, 0, 0)
            done[e.invoiceItemID] = (t.qty + e.quantity, t.taxable + e.taxable, t.cgst + e.cgst, t.sgst + e.sgst, t.igst + e.igst)
        }
        let own = try await business(on: tx).state
        let legacyInter = inv.placeOfSupply != nil && own != nil && inv.placeOfSupply != own
        var taking: [UUID: Int64] = [:]
        var out: [CreditLine] = []
        var errors = FieldErrors()
        for (i, w) in wanted.enumerated() {
            let f = "items[\(i)]"
            let candidates = items.filter { item in w.itemId.map { item.id == $0 } ?? (item.productID == w.productId) }
            guard !candidates.isEmpty else {
                errors.add(w.itemId != nil ? "\(f).item_id" : "\(f).product_id", "is not on invoice \(inv.numberText ?? "")")
                continue
            }
            var left = w.quantity.thousandths
            for item in candidates where left > 0 {
                let already = (done[item.id!]?.qty ?? 0) + taking[item.id!, default: 0]
                let open = item.quantity - already
                guard open > 0 else { continue }
                let q = min(open, left)
                taking[item.id!, default: 0] += q
                left -= q
            }
            if left > 0 {
                let open = candidates.reduce(Int64(0)) { $0 + $1.quantity - (done[$1.id!]?.qty ?? 0) }
                errors.add("\(f).quantity", "at most \(Quantity(thousandths: max(0, open))) can be returned on this invoice")
            }
        }
        try errors.throwIfAny()
        for item in items {
            guard let q = taking[item.id!], q > 0 else { continue }
            let before = done[item.id!] ?? (0, 0, 0, 0, 0)
            let heads = item.split(interState: legacyInter)
            if before.qty + q == item.quantity {
                // The last of the line: exactly what is left of each amount.
                out.append(CreditLine(item: item, quantity: q, taxable: item.taxable - before.taxable,
                                      heads: GSTHeads(cgst: heads.cgst - before.cgst, sgst: heads.sgst - before.sgst, igst: heads.igst - before.igst)))
            } else {
                let cgst = Money.proportion(heads.cgst, part: q, of: item.quantity)
                out.append(CreditLine(item: item, quantity: q, taxable: Money.proportion(item.taxable, part: q, of: item.quantity),
                                      heads: GSTHeads(cgst: cgst, sgst: heads.sgst == heads.cgst ? cgst : Money.proportion(heads.sgst, part: q, of: item.quantity),
                                                      igst: Money.proportion(heads.igst, part: q, of: item.quantity))))
            }
        }
        let returnsTheRest = items.allSatisfy { ($0.quantity - (done[$0.id!]?.qty ?? 0) - taking[$0.id!, default: 0]) == 0 }
        return (out, returnsTheRest)
    }

    /// The unit cost each product was sold at on this invoice (from its sale movement).
    private func saleUnitCosts(invoiceID: UUID, on tx: any Database) async throws -> [UUID: Int64] {
        let moves = try await StockMovement.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == invoiceID)
            .filter(\.$kind == .sale).all()
        return Dictionary(moves.map { ($0.productID, $0.unitCost ?? 0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Returned goods back into stock: the weighted average cost takes them in at the cost they were
    /// sold at, and a `return` movement records it.
    private func returnStock(productID: UUID, quantity: Int64, unitCost: Int64, invoiceID: UUID, reference: String,
                             on tx: any Database) async throws {
        let (stock, average) = try await lockedCost(productID, on: tx)
        let after = try Money.add(stock, quantity, field: "items.quantity")
        guard after <= Bounds.maxQuantity else {
            throw APIError.amountTooLarge(["items.quantity": "makes the stock more than \(Bounds.maxQuantityUnits) units"])
        }
        try await setStockAndCost(productID, stock: after, average: Self.averageCost(stock: stock, average: average, adding: quantity, at: unitCost), on: tx)
        let p = try await product(productID, on: tx)
        let m = Self.movement(p, delta: quantity, kind: .saleReturn, reason: "Returned on \(reference)", invoiceID: invoiceID,
                              userID: userID, stockAfter: after, now: now)
        m.unitCost = unitCost
        try await m.create(on: tx)
    }
}
