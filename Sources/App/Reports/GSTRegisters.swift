import Foundation
import LedgerMath

/// The CA's spreadsheets beside GSTR-1 (issue 17 §4): the sales register (every taxed line of the
/// period's invoices, credit notes as negative lines) and the HSN summary (by HSN, unit and rate,
/// net of credit notes), each closed by a totals row. The amounts are the documents' stored heads,
/// the same ones GSTR-1 is built from, so the three reconcile.
extension ReportData {
    /// One line of a sales document, signed (−1 for a credit note).
    struct GSTLine {
        let date: String
        let document: String
        let kind: String
        let customerID: UUID
        let placeOfSupply: String
        let description: String
        let hsn: String
        let unit: String
        let quantity: Int64
        let rateBP: Int64?
        let taxable: Int64
        let cgst: Int64
        let sgst: Int64
        let igst: Int64
        let total: Int64
    }

    /// The period's invoice lines (in issue order) and then its credit-note lines, negated.
    func forEachGSTLine(_ body: ([GSTLine]) async throws -> Void) async throws {
        try await forEachPostedInvoicePage { invoices in
            let views = try await LedgerViews.invoices(invoices.sorted { ($0.number ?? 0) < ($1.number ?? 0) }, on: db)
            try await body(views.flatMap { inv in
                inv.items.map { i in
                    GSTLine(date: inv.issueDate, document: inv.number ?? "", kind: "Invoice", customerID: inv.customer.id,
                            placeOfSupply: inv.placeOfSupplyCode ?? "", description: i.description, hsn: i.hsn ?? "", unit: i.unit,
                            quantity: i.quantity.thousandths, rateBP: i.gstRate?.basisPoints, taxable: i.taxableValue,
                            cgst: i.cgst, sgst: i.sgst, igst: i.igst, total: i.total)
                }
            })
        }
        let notes = try await ledger.creditNotes(from: from, to: to)
        guard !notes.isEmpty else { return }
        let items = Dictionary(grouping: try await ledger.items(ofCreditNotes: notes.map { $0.id! }), by: \.creditNoteID)
        let against = try await LedgerViews.invoices(try await ledger.invoices(ids: Array(Set(notes.map(\.invoiceID)))), on: db)
        let pos = Dictionary(uniqueKeysWithValues: against.map { ($0.id, $0.placeOfSupplyCode ?? "") })
        try await body(notes.flatMap { n in
            (items[n.id!] ?? []).sorted { $0.position < $1.position }.map { i in
                GSTLine(date: n.issueDate, document: n.numberText, kind: "Credit note", customerID: n.customerID,
                        placeOfSupply: pos[n.invoiceID] ?? "", description: i.description, hsn: i.hsn ?? "", unit: i.unit,
                        quantity: -i.quantity, rateBP: i.gstRateBP, taxable: -i.taxable, cgst: -i.cgst, sgst: -i.sgst, igst: -i.igst,
                        total: -i.total)
            }
        })
    }

    func salesRegister(_ emit: Emit) async throws {
        try await emit(Self.header(["Date", "Document", "Type", "Customer", "GSTIN", "Place of supply", "Item", "HSN", "Quantity",
                                    "GST %", "Taxable value (INR)", "CGST (INR)", "SGST (INR)", "IGST (INR)", "Total (INR)"]))
        let names = Names(ledger)
        var gstins: [UUID: String] = [:]
        var sums = [Tally](repeating: Tally(), count: 5)
        var count = 0
        try await forEachGSTLine { lines in
            count += lines.count
            let ids = Set(lines.map(\.customerID))
            try await names.load(ids)
            for c in try await ledger.customers(ids.filter { gstins[$0] == nil }) { gstins[c.id!] = c.gstin ?? "" }
            for l in lines {
                for (k, v) in [l.taxable, l.cgst, l.sgst, l.igst, l.total].enumerated() { sums[k].add(v) }
            }
            try await emit(lines.map { l in
                [.date(l.date), .text(l.document), .text(l.kind), .text(names.name(l.customerID)), .text(gstins[l.customerID] ?? ""),
                 .text(l.placeOfSupply), .text(l.description), .text(l.hsn), .quantity(l.quantity),
                 l.rateBP.map { .quantity($0 * 10) } ?? .empty, .money(l.taxable), .money(l.cgst), .money(l.sgst), .money(l.igst), .money(l.total)]
            })
        }
        guard count > 0 else { return }
        try await emit([[.empty, .empty, .empty, .text("Total"), .empty, .empty, .empty, .empty, .empty, .empty]
                        + sums.map { Cell.money($0) }])
    }

    func hsnSummary(_ emit: Emit) async throws {
        try await emit(Self.header(["HSN", "Description", "UQC", "Quantity", "GST %", "Taxable value (INR)", "CGST (INR)", "SGST (INR)",
                                    "IGST (INR)", "Total (INR)"]))
        struct Key: Hashable { let hsn: String; let uqc: String; let bp: Int64 }
        var rows: [Key: (description: String, quantity: Tally, sums: [Tally])] = [:]
        try await forEachGSTLine { lines in
            for l in lines {
                let k = Key(hsn: l.hsn, uqc: GSTR1.uqc(l.unit), bp: l.rateBP ?? 0)
                var r = rows[k] ?? (l.description, Tally(), [Tally](repeating: Tally(), count: 5))
                r.quantity.add(l.quantity)
                for (i, v) in [l.taxable, l.cgst, l.sgst, l.igst, l.total].enumerated() { r.sums[i].add(v) }
                rows[k] = r
            }
        }
        guard !rows.isEmpty else { return }
        var totals = [Tally](repeating: Tally(), count: 5)
        let ordered = rows.keys.sorted { ($0.hsn.isEmpty ? "~" : $0.hsn, $0.bp, $0.uqc) < ($1.hsn.isEmpty ? "~" : $1.hsn, $1.bp, $1.uqc) }
        var out: [[Cell]] = []
        for k in ordered {
            let r = rows[k]!
            for i in 0..<5 { totals[i].add(r.sums[i]) }
            out.append([.text(k.hsn.isEmpty ? "(no HSN)" : k.hsn), .text(r.description), .text(k.uqc), .quantity(r.quantity),
                        .quantity(k.bp * 10)] + r.sums.map { Cell.money($0) })
        }
        out.append([.text("Total"), .empty, .empty, .empty, .empty] + totals.map { Cell.money($0) })
        try await emit(out)
    }
}
