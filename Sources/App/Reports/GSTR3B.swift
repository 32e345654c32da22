import Foundation
import JSONCore
import LedgerMath

/// The GSTR-3B summary of a month (issue 17 §4): outward supplies from the invoices issued in it
/// (the same invoices and stored heads as GSTR-1, so the two agree), input tax from purchase bills
/// and expenses, and how the tax is paid — credit set off in the order the law sets (IGST credit
/// first, against IGST, then CGST, then SGST; CGST credit against CGST, then IGST; SGST credit
/// against SGST, then IGST; CGST credit never against SGST or the other way), the rest in cash.
/// JSON keys of the return's own tables follow the portal's GSTR-3B format (`sup_details`,
/// `inter_sup`, `itc_elg`); `tax_payment`, `sources` and `notes` are Munim's working.
struct GSTR3B {
    struct Heads: Equatable, Sendable {
        var igst: Int64 = 0
        var cgst: Int64 = 0
        var sgst: Int64 = 0
    }

    struct SetOff: Equatable, Sendable {
        /// Credit of each head used against each liability head.
        var igstCredit = Heads(), cgstCredit = Heads(), sgstCredit = Heads()
        var cash = Heads()
        var carriedForward = Heads()
    }

    let gstin: String
    let year: Int
    let month: Int
    /// Taxable supplies (rate above zero): value and tax by head.
    var taxableValue: Int64 = 0
    var output = Heads()
    /// Lines without GST.
    var nilRated: Int64 = 0
    /// Inter-state supplies to unregistered buyers by place-of-supply code: value and IGST.
    var unregisteredInterState: [String: (Int64, Int64)] = [:]
    var input = Heads()
    var invoices = 0
    var bills = 0
    var expenses = 0

    var creditNotes = 0

    init(gstin: String, year: Int, month: Int, invoices: [GSTR1.Invoice], notes: [GSTR1.Note] = [], input: BooksService.InputTax) throws {
        self.gstin = gstin
        self.year = year
        self.month = month
        self.input = Heads(igst: input.igst, cgst: input.cgst, sgst: input.sgst)
        bills = input.bills
        expenses = input.expenses
        for inv in invoices where !inv.void {
            self.invoices += 1
            try add(inv.lines, interState: inv.interState, unregistered: inv.buyerGSTIN == nil, pos: inv.placeOfSupplyCode, sign: 1)
        }
        // Credit notes dated in the month reduce the outward supplies (and their tax) of the month.
        for n in notes {
            creditNotes += 1
            try add(n.lines, interState: n.interState, unregistered: n.buyerGSTIN == nil, pos: n.placeOfSupplyCode, sign: -1)
        }
    }

    /// Adds a document's lines to the outward supplies (sign −1: a credit note takes them out).
    private mutating func add(_ lines: [GSTR1.Line], interState: Bool, unregistered: Bool, pos: String, sign: Int64) throws {
        func plus(_ a: Int64, _ b: Int64) throws -> Int64 { try Money.add(a, sign * b, field: "period") }
        for l in lines {
            guard let bp = l.rateBP, bp > 0 else {
                nilRated = try plus(nilRated, l.taxable)
                continue
            }
            taxableValue = try plus(taxableValue, l.taxable)
            output.igst = try plus(output.igst, l.igst)
            output.cgst = try plus(output.cgst, l.cgst)
            output.sgst = try plus(output.sgst, l.sgst)
            if interState && unregistered {
                let t = unregisteredInterState[pos] ?? (0, 0)
                unregisteredInterState[pos] = (try plus(t.0, l.taxable), try plus(t.1, l.igst))
            }
        }
    }

    /// Credit against liability in the legal order; what is left of the liability is paid in cash.
    static func setOff(liability: Heads, credit: Heads) -> SetOff {
        // A month with more returns than sales owes nothing on that head (never a negative liability).
        var due = Heads(igst: max(0, liability.igst), cgst: max(0, liability.cgst), sgst: max(0, liability.sgst))
        var left = credit, out = SetOff()
        func use(_ avail: inout Int64, _ owed: inout Int64) -> Int64 {
            let n = min(avail, owed)
            avail -= n
            owed -= n
            return n
        }
        out.igstCredit.igst = use(&left.igst, &due.igst)
        out.igstCredit.cgst = use(&left.igst, &due.cgst)
        out.igstCredit.sgst = use(&left.igst, &due.sgst)
        out.cgstCredit.cgst = use(&left.cgst, &due.cgst)
        out.cgstCredit.igst = use(&left.cgst, &due.igst)
        out.sgstCredit.sgst = use(&left.sgst, &due.sgst)
        out.sgstCredit.igst = use(&left.sgst, &due.igst)
        out.cash = due
        out.carriedForward = left
        return out
    }

    var payment: SetOff { Self.setOff(liability: output, credit: input) }

    var period: String { String(format: "%02d%04d", month, year) }

    func document() -> JSONValue {
        let r = GSTR1.rupees
        func heads(_ h: Heads, cess: Bool = true) -> JSONValue {
            var o: [String: JSONValue] = ["iamt": r(h.igst), "camt": r(h.cgst), "samt": r(h.sgst)]
            if cess { o["csamt"] = 0 }
            return .object(o)
        }
        func typed(_ ty: String, _ h: Heads) -> JSONValue {
            ["ty": .string(ty), "iamt": r(h.igst), "camt": r(h.cgst), "samt": r(h.sgst), "csamt": 0]
        }
        let pay = payment
        return [
            "gstin": .string(gstin), "ret_period": .string(period),
            "sup_details": [
                "osup_det": ["txval": r(taxableValue), "iamt": r(output.igst), "camt": r(output.cgst), "samt": r(output.sgst), "csamt": 0],
                "osup_zero": ["txval": 0, "iamt": 0, "csamt": 0],
                "osup_nil_exmp": ["txval": r(nilRated)],
                "isup_rev": ["txval": 0, "iamt": 0, "camt": 0, "samt": 0, "csamt": 0],
                "osup_nongst": ["txval": 0],
            ],
            "inter_sup": [
                "unreg_details": .array(unregisteredInterState.keys.sorted().map { pos in
                    ["pos": .string(pos), "txval": r(unregisteredInterState[pos]!.0), "iamt": r(unregisteredInterState[pos]!.1)]
                }),
                "comp_details": [], "uin_details": [],
            ],
            "itc_elg": [
                "itc_avl": [typed("IMPG", Heads()), typed("IMPS", Heads()), typed("ISRC", Heads()), typed("ISD", Heads()), typed("OTH", input)],
                "itc_rev": [typed("RUL", Heads()), typed("OTH", Heads())],
                "itc_net": heads(input),
                "itc_inelg": [typed("RUL", Heads()), typed("OTH", Heads())],
            ],
            "tax_payment": [
                "liability": heads(output, cess: false),
                "paid_through_itc": [
                    "igst_credit": heads(pay.igstCredit, cess: false),
                    "cgst_credit": ["iamt": r(pay.cgstCredit.igst), "camt": r(pay.cgstCredit.cgst)],
                    "sgst_credit": ["iamt": r(pay.sgstCredit.igst), "samt": r(pay.sgstCredit.sgst)],
                ],
                "paid_in_cash": heads(pay.cash, cess: false),
                "credit_carried_forward": heads(pay.carriedForward, cess: false),
            ],
            "sources": ["invoices": .int(Int64(invoices)), "credit_notes": .int(Int64(creditNotes)), "purchase_bills": .int(Int64(bills)), "expenses_with_gst": .int(Int64(expenses))],
            "notes": [
                "Outward supplies are the invoices issued in the month (voided ones left out), as in GSTR-1.",
                "Input tax is what your purchase bills and expenses of the month record; match it with GSTR-2B before you file.",
                "Credit notes are not deducted yet: Munim does not record them.",
            ],
        ]
    }

    /// The summary as table rows (the PDF): section, IGST, CGST, SGST, value.
    var rows: [[Cell]] {
        let pay = payment
        func row(_ label: String, _ h: Heads, value: Int64? = nil) -> [Cell] {
            [.text(label), value.map(Cell.money) ?? .empty, .money(h.igst), .money(h.cgst), .money(h.sgst)]
        }
        var out: [[Cell]] = [[.text("Section"), .text("Taxable value"), .text("IGST"), .text("CGST"), .text("SGST")]]
        out.append(row("3.1(a) Outward taxable supplies", output, value: taxableValue))
        out.append(row("3.1(c) Nil rated supplies", Heads(), value: nilRated))
        for pos in unregisteredInterState.keys.sorted() {
            let name = Validate.states.first { $0.code == pos }?.name ?? pos
            out.append(row("3.2 To unregistered persons in \(name) (\(pos))", Heads(igst: unregisteredInterState[pos]!.1), value: unregisteredInterState[pos]!.0))
        }
        out.append(row("4(A)(5) Input tax credit: all other ITC", input))
        out.append(row("Tax payable", output))
        out.append(row("Paid through IGST credit", pay.igstCredit))
        out.append(row("Paid through CGST credit", pay.cgstCredit))
        out.append(row("Paid through SGST credit", pay.sgstCredit))
        out.append(row("To pay in cash", pay.cash))
        out.append(row("Credit carried forward", pay.carriedForward))
        return out
    }
}
