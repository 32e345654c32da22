import Foundation

/// The A4 tax invoice (issue 6 §2): header, items with HSN, CGST+SGST or IGST, totals in figures and
/// in Indian words, amount paid, balance due, and a UPI QR code when the business has a UPI ID.
enum InvoicePDF {
    struct Party {
        let name: String
        let address: String?
        let gstin: String?
        let state: String?
        let phone: String?
    }

    static func upiLink(upiID: String, payee: String, amount: Int64, note: String) -> String {
        var c = URLComponents()
        c.scheme = "upi"
        c.host = "pay"
        c.queryItems = [URLQueryItem(name: "pa", value: upiID), URLQueryItem(name: "pn", value: payee),
                        URLQueryItem(name: "am", value: CSVFormat.money(amount)), URLQueryItem(name: "cu", value: "INR"),
                        URLQueryItem(name: "tn", value: note)]
        return c.string ?? "upi://pay?pa=\(upiID)"
    }

    /// The document's name: a tax invoice from a regular dealer with a GSTIN, a bill of supply from
    /// a composition dealer or an unregistered business (issue 17 §1).
    static func title(status: InvoiceStatus, registration: GSTRegistration, gstin: String?) -> String {
        if status == .draft { return registration.chargesTax ? "DRAFT INVOICE" : "DRAFT BILL OF SUPPLY" }
        if !registration.chargesTax { return "BILL OF SUPPLY" }
        return gstin == nil ? "INVOICE" : "TAX INVOICE"
    }

    static let compositionDeclaration = "Composition taxable person, not eligible to collect tax on supplies."

    /// What a credit note prints beside its own number: the invoice it reduces (issue 17 §3).
    struct CreditNoteOf {
        let invoiceNumber: String
        let invoiceDate: String
    }

    static func render(_ inv: InvoiceDTO, seller: Party, buyer: Party, upiID: String?, registration: GSTRegistration = .regular,
                       creditNoteOf: CreditNoteOf? = nil) -> Data {
        let pdf = PDFCanvas()
        let m = PDFCanvas.margin, right = PDFCanvas.width - PDFCanvas.margin, contentWidth = right - m
        var y = m

        // Header: seller left, invoice facts right.
        y += pdf.text(seller.name, x: m, y: y, width: 300, size: 16, bold: true)
        var sellerLines: [String] = []
        if let a = seller.address { sellerLines.append(a) }
        if let s = seller.state { sellerLines.append("State: \(s)") }
        if let g = seller.gstin { sellerLines.append("GSTIN: \(g)") }
        if let p = seller.phone { sellerLines.append("Phone: \(p)") }
        y += pdf.text(sellerLines.joined(separator: "\n"), x: m, y: y + 2, width: 300, size: 9, gray: 0.2)
        let title = creditNoteOf == nil ? Self.title(status: inv.status, registration: registration, gstin: seller.gstin) : "CREDIT NOTE"
        pdf.text(title, x: right - 200, y: m, width: 200, size: 14, bold: true, align: .right)
        var facts = "\(creditNoteOf == nil ? "Invoice" : "Credit note"): \(inv.number ?? "Draft")\nDate: \(IndianDate.text(inv.issueDate))"
        if let of = creditNoteOf { facts += "\nAgainst invoice: \(of.invoiceNumber) of \(IndianDate.text(of.invoiceDate))" }
        if let due = inv.dueDate { facts += "\nDue: \(IndianDate.text(due))" }
        if let place = inv.placeOfSupply { facts += "\nPlace of supply: \(place)\(inv.placeOfSupplyCode.map { " (\($0))" } ?? "")" }
        if registration.chargesTax && seller.gstin != nil { facts += "\nReverse charge: No" }
        if inv.status == .void { facts += "\nVOID" }
        pdf.text(facts, x: right - 200, y: m + 22, width: 200, size: 10, align: .right)
        y = max(y, m + 80) + 12
        pdf.line(m, y, right, y)
        y += 8

        // Bill to.
        pdf.text("Bill to", x: m, y: y, size: 8, bold: true, gray: 0.4)
        y += 12
        y += pdf.text(buyer.name, x: m, y: y, width: 300, size: 11, bold: true)
        var buyerLines: [String] = []
        if let a = buyer.address { buyerLines.append(a) }
        if let s = buyer.state { buyerLines.append("State: \(s)") }
        if let g = buyer.gstin { buyerLines.append("GSTIN: \(g)") }
        if let p = buyer.phone { buyerLines.append("Phone: \(p)") }
        if !buyerLines.isEmpty { y += pdf.text(buyerLines.joined(separator: "\n"), x: m, y: y + 2, width: 300, size: 9, gray: 0.2) }
        y += 14

        // Items.
        let cols: [(String, Double, PDFCanvas.Align)] = [
            ("#", 18, .left), ("Item", 136, .left), ("HSN", 56, .left), ("Qty", 50, .right), ("Rate", 58, .right),
            ("Discount", 50, .right), ("Taxable", 62, .right), ("GST", 34, .right), ("Amount", contentWidth - 464, .right),
        ]
        func header() {
            pdf.fill(x: m, y: y, w: contentWidth, h: 18, gray: 0.92)
            var x = m + 3
            for (name, w, align) in cols {
                pdf.text(name, x: x, y: y + 4, width: w - 6, size: 8, bold: true, align: align)
                x += w
            }
            y += 22
        }
        header()
        for (i, item) in inv.items.enumerated() {
            let gst = item.gstRate.map { rate -> String in
                let bp = rate.basisPoints
                return bp % 100 == 0 ? "\(bp / 100)%" : String(format: "%.2f%%", Double(bp) / 100)
            } ?? "—"
            // A rate that includes GST is starred and explained under the table.
            let rate = Money.format(item.unitPrice) + (item.priceIncludesGst && item.tax > 0 ? "*" : "")
            let cells = ["\(i + 1)", item.description, item.hsn ?? "", "\(item.quantity) \(item.unit)", rate,
                         item.discount > 0 ? Money.format(item.discount) : "—", Money.format(item.taxable), gst, Money.format(item.total)]
            // Measure the wrapped item name first so the row has room.
            var rowHeight = 14.0
            var x = m + 3
            for (j, (_, w, align)) in cols.enumerated() {
                rowHeight = max(rowHeight, pdf.text(cells[j], x: x, y: y, width: w - 6, size: 9, align: align) + 4)
                x += w
            }
            y += rowHeight
            pdf.line(m, y - 2, right, y - 2, width: 0.3, gray: 0.85)
            if y > PDFCanvas.height - 220 && i < inv.items.count - 1 {
                pdf.text("Continued on the next page", x: m, y: PDFCanvas.height - m, size: 8, gray: 0.4)
                pdf.newPage()
                y = m
                header()
            }
        }
        if inv.items.contains(where: { $0.priceIncludesGst && $0.tax > 0 }) {
            pdf.text("* Rate includes GST: the taxable value is the amount less the GST in it.", x: m, y: y + 2, size: 7, gray: 0.4)
            y += 10
        }
        y += 8

        // Totals: figures on the right, words and QR on the left.
        // The heads are the sums of the lines' own (CGST = SGST on every line).
        var rows: [(String, Int64, Bool)] = [("Taxable value", inv.subtotal, false)]
        if inv.discountTotal > 0 { rows.insert(("Discount", inv.discountTotal, false), at: 0) }
        if inv.taxTotal > 0 {
            if inv.igst > 0 { rows.append(("IGST", inv.igst, false)) }
            if inv.cgst > 0 || inv.sgst > 0 {
                rows.append(("CGST", inv.cgst, false))
                rows.append(("SGST", inv.sgst, false))
            }
        }
        if inv.roundOff != 0 { rows.append(("Round off", inv.roundOff, false)) }
        rows.append((creditNoteOf == nil ? "Total" : "Total credited", inv.total, true))
        if creditNoteOf == nil {
            if inv.credited > 0 {
                rows.append(("Less credit notes", inv.credited, false))
            }
            rows.append(("Amount paid", inv.amountPaid, false))
            rows.append(("Balance due", inv.balanceDue, true))
        }
        let totalsTop = y
        for (label, amount, strong) in rows {
            pdf.text(label, x: right - 230, y: y, width: 120, size: strong ? 10 : 9, bold: strong)
            pdf.text(Money.format(amount), x: right - 110, y: y, width: 110, size: strong ? 10 : 9, bold: strong, align: .right)
            y += strong ? 16 : 13
        }
        var left = totalsTop
        pdf.text("Amount in words", x: m, y: left, size: 8, bold: true, gray: 0.4)
        left += 12
        left += pdf.text(IndianWords.rupees(inv.total), x: m, y: left, width: contentWidth - 250, size: 9)
        left += 6
        if let notes = inv.notes {
            left += pdf.text("Notes: \(notes)", x: m, y: left, width: contentWidth - 250, size: 8, gray: 0.3) + 6
        }
        if let upiID, inv.balanceDue > 0, inv.status != .void {
            let link = upiLink(upiID: upiID, payee: seller.name, amount: inv.balanceDue, note: inv.number ?? "Invoice")
            pdf.qr(link, x: m, y: left, size: 96)
            pdf.text("Scan to pay \(Money.format(inv.balanceDue)) by UPI\n\(upiID)", x: m + 102, y: left + 30, width: 150, size: 8, gray: 0.3)
            left += 100
        }
        y = max(y, left) + 10

        // Tax summary by rate (what a buyer's accountant books), then the signature block.
        let taxed = Dictionary(grouping: inv.items.filter { ($0.gstRate?.basisPoints ?? 0) > 0 }, by: { $0.gstRate!.basisPoints })
        if !taxed.isEmpty && registration.chargesTax {
            if y > PDFCanvas.height - 200 { pdf.newPage(); y = m }
            // Only the heads the invoice has: CGST + SGST within the state, IGST across.
            let inter = inv.igst > 0 || inv.interState
            let heads: [(String, Double)] = inter ? [("IGST", 180)] : [("CGST", 90), ("SGST", 90)]
            let cols: [(String, Double)] = [("GST rate", 70), ("Taxable value", 100)] + heads + [("Total tax", contentWidth - 350)]
            pdf.fill(x: m, y: y, w: contentWidth, h: 16, gray: 0.92)
            var x = m + 3
            for (i, (name, w)) in cols.enumerated() {
                pdf.text(name, x: x, y: y + 3, width: w - 6, size: 8, bold: true, align: i == 0 ? .left : .right)
                x += w
            }
            y += 19
            for bp in taxed.keys.sorted() {
                let lines = taxed[bp]!
                let sums = [lines.reduce(Int64(0)) { $0 + $1.taxableValue }, lines.reduce(Int64(0)) { $0 + $1.cgst },
                            lines.reduce(Int64(0)) { $0 + $1.sgst }, lines.reduce(Int64(0)) { $0 + $1.igst }]
                let cells = [bp % 100 == 0 ? "\(bp / 100)%" : String(format: "%.2f%%", Double(bp) / 100), Money.format(sums[0])]
                    + (inter ? [Money.format(sums[3])] : [Money.format(sums[1]), Money.format(sums[2])]) + [Money.format(sums[1] + sums[2] + sums[3])]
                x = m + 3
                for (i, (_, w)) in cols.enumerated() {
                    pdf.text(cells[i], x: x, y: y, width: w - 6, size: 8, align: i == 0 ? .left : .right)
                    x += w
                }
                y += 13
            }
            y += 6
        }
        if y > PDFCanvas.height - 110 { pdf.newPage(); y = m }
        pdf.text("For \(seller.name)", x: right - 200, y: y + 4, width: 200, size: 9, bold: true, align: .right)
        pdf.line(right - 160, y + 44, right, y + 44, width: 0.5, gray: 0.5)
        pdf.text("Authorised signatory", x: right - 200, y: y + 48, width: 200, size: 8, align: .right, gray: 0.4)
        y += 66
        pdf.line(m, y, right, y)
        if registration == .composition {
            pdf.text(Self.compositionDeclaration, x: m, y: y + 6, size: 8, bold: true)
            y += 12
        }
        pdf.text("This is a computer-generated \(creditNoteOf == nil ? "invoice" : "credit note").", x: m, y: y + 6, size: 7, gray: 0.5)
        return pdf.finish()
    }
}
