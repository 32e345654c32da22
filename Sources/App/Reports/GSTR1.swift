import Foundation
import JSONCore
import LedgerMath

/// GSTR-1 as the JSON the GST portal's offline tool imports (issue 17 §4): outward supplies of one
/// month from the invoices issued in it. Built from the invoices' own stored heads (CGST, SGST,
/// IGST per line), so the file agrees with the invoices to the paisa. Its shape is checked in the
/// tests against `docs/schemas/gstr1.schema.json`, written from the published format.
///
/// Sections: `b2b` (buyers with a GSTIN, per buyer, items per rate), `b2cl` (inter-state invoices
/// to unregistered buyers above the threshold in force on the invoice date), `b2cs` (the other
/// unregistered sales, summed by supply type, place of supply and rate), `nil` (lines without GST),
/// `hsn` (summary by HSN, unit and rate; from May 2025 split into B2B and B2C tables) and
/// `doc_issue` (the invoice number range, cancelled = voided; the credit note range). Credit notes
/// dated in the month go to `cdnr` (registered buyers, per GSTIN) or `cdnur` (unregistered buyers of
/// a B2C large invoice); the other unregistered ones are netted out of `b2cs`, and every note out of
/// `nil` and `hsn`, as the portal expects. Money is in rupees with two decimals, as the portal takes it.
struct GSTR1 {
    struct Line {
        let hsn: String?
        let description: String
        let unit: String
        let quantity: Int64  // thousandths
        let rateBP: Int64?
        let taxable: Int64
        let cgst: Int64
        let sgst: Int64
        let igst: Int64
    }

    struct Invoice {
        let number: String
        /// The invoice's sequence number (orders the range in doc_issue).
        let sequence: Int64
        let date: String  // YYYY-MM-DD
        let total: Int64
        let buyerGSTIN: String?
        let placeOfSupplyCode: String
        let interState: Bool
        let void: Bool
        let lines: [Line]
    }

    /// A credit note dated in the month (issue 17 §3): a document like an invoice (its number,
    /// date, value, buyer, place and lines), and whether the invoice it reduces was B2C large (its
    /// note then goes to cdnur).
    @dynamicMemberLookup
    struct Note {
        let document: Invoice
        let againstLarge: Bool

        subscript<T>(dynamicMember path: KeyPath<Invoice, T>) -> T { document[keyPath: path] }
    }

    let gstin: String
    let year: Int
    let month: Int
    let invoices: [Invoice]
    var notes: [Note] = []

    /// Lines left out of the HSN summary because they have no HSN code (the owner should add one).
    var linesWithoutHSN: Int {
        invoices.filter { !$0.void }.flatMap(\.lines).filter { ($0.hsn ?? "").isEmpty }.count
    }

    static func rupees(_ paise: Int64) -> JSONValue {
        .double((Double(paise) / 100 * 100).rounded() / 100)
    }

    static func rate(_ bp: Int64) -> JSONValue {
        bp % 100 == 0 ? .int(bp / 100) : .double(Double(bp) / 100)
    }

    /// B2C large: inter-state, unregistered, invoice value above ₹2.5 lakh up to 31 July 2024 and
    /// above ₹1 lakh from 1 August 2024.
    static func isLarge(_ inv: Invoice) -> Bool {
        inv.interState && inv.buyerGSTIN == nil && inv.total > (inv.date < "2024-08-01" ? 25_000_000 : 10_000_000)
    }

    /// Unit quantity codes from a product's unit (the common ones; anything else is OTH).
    static func uqc(_ unit: String) -> String {
        switch unit.lowercased().trimmingCharacters(in: .whitespaces) {
        case "bag", "bags", "bori", "bora": return "BAG"
        case "box", "boxes": return "BOX"
        case "kg", "kgs", "kilo", "kilogram", "kilograms": return "KGS"
        case "g", "gm", "gms", "gram", "grams": return "GMS"
        case "l", "ltr", "litre", "litres", "liter", "liters": return "LTR"
        case "ml": return "MLT"
        case "m", "mtr", "metre", "metres", "meter", "meters": return "MTR"
        case "pc", "pcs", "piece", "pieces": return "PCS"
        case "no", "nos", "number", "numbers", "unit", "units": return "NOS"
        case "dozen", "doz": return "DOZ"
        case "pair", "pairs", "prs": return "PRS"
        case "set", "sets": return "SET"
        case "packet", "packets", "pack", "packs", "pkt": return "PAC"
        case "bottle", "bottles", "btl": return "BTL"
        case "roll", "rolls": return "ROL"
        case "ton", "tonne", "tonnes", "tons": return "TON"
        case "quintal", "qtl": return "QTL"
        case "sqft", "sq ft": return "SQF"
        case "sqm", "sq m": return "SQM"
        default: return "OTH"
        }
    }

    /// Sums are overflow-checked: a month too large to add up is refused, never wrapped.
    static func add(_ a: Int64, _ b: Int64) throws -> Int64 { try Money.add(a, b, field: "period") }

    func document() throws -> JSONValue {
        let live = invoices.filter { !$0.void }
        var doc: [String: JSONValue] = [
            "gstin": .string(gstin), "fp": .string(String(format: "%02d%04d", month, year)), "version": "GST3.1.6", "hash": "hash",
        ]

        // Items of an invoice: one per rate, lines without GST left to the nil table.
        func items(_ inv: Invoice, withHeads heads: Bool) throws -> [JSONValue] {
            var byRate: [Int64: (Int64, Int64, Int64, Int64)] = [:]
            for l in inv.lines {
                guard let bp = l.rateBP, bp > 0 else { continue }
                let t = byRate[bp, default: (0, 0, 0, 0)]
                byRate[bp] = (try Self.add(t.0, l.taxable), try Self.add(t.1, l.igst), try Self.add(t.2, l.cgst), try Self.add(t.3, l.sgst))
            }
            return byRate.keys.sorted().enumerated().map { i, bp in
                let t = byRate[bp]!
                var det: [String: JSONValue] = ["rt": Self.rate(bp), "txval": Self.rupees(t.0), "iamt": Self.rupees(t.1), "csamt": 0]
                if heads { det["camt"] = Self.rupees(t.2); det["samt"] = Self.rupees(t.3) }
                return ["num": .int(Int64(i + 1)), "itm_det": .object(det)]
            }
        }
        func header(_ inv: Invoice) -> [String: JSONValue] {
            ["inum": .string(inv.number), "idt": .string(IndianDate.text(inv.date)), "val": Self.rupees(inv.total)]
        }

        // b2b: per buyer GSTIN.
        let b2b = Dictionary(grouping: live.filter { $0.buyerGSTIN != nil }, by: { $0.buyerGSTIN! })
        let b2bRows: [JSONValue] = try b2b.keys.sorted().compactMap { ctin in
            let invs: [JSONValue] = try b2b[ctin]!.sorted { $0.sequence < $1.sequence }.compactMap { inv in
                let itms = try items(inv, withHeads: true)
                guard !itms.isEmpty else { return nil }
                var o = header(inv)
                o["pos"] = .string(inv.placeOfSupplyCode)
                o["rchrg"] = "N"
                o["inv_typ"] = "R"
                o["itms"] = .array(itms)
                return .object(o)
            }
            return invs.isEmpty ? nil : ["ctin": .string(ctin), "inv": .array(invs)]
        }
        if !b2bRows.isEmpty { doc["b2b"] = .array(b2bRows) }

        // b2cl: per place of supply.
        let large = Dictionary(grouping: live.filter(Self.isLarge), by: \.placeOfSupplyCode)
        let b2clRows: [JSONValue] = try large.keys.sorted().compactMap { pos in
            let invs: [JSONValue] = try large[pos]!.sorted { $0.sequence < $1.sequence }.compactMap { inv in
                let itms = try items(inv, withHeads: false)
                guard !itms.isEmpty else { return nil }
                var o = header(inv)
                o["itms"] = .array(itms)
                return .object(o)
            }
            return invs.isEmpty ? nil : ["pos": .string(pos), "inv": .array(invs)]
        }
        if !b2clRows.isEmpty { doc["b2cl"] = .array(b2clRows) }

        // b2cs: the rest of the unregistered sales, summed, less their credit notes.
        struct SmallKey: Hashable { let inter: Bool; let pos: String; let bp: Int64 }
        var small: [SmallKey: (Int64, Int64, Int64, Int64)] = [:]
        func addSmall(_ inter: Bool, _ pos: String, _ lines: [Line], sign: Int64) throws {
            for l in lines {
                guard let bp = l.rateBP, bp > 0 else { continue }
                let k = SmallKey(inter: inter, pos: pos, bp: bp)
                let t = small[k, default: (0, 0, 0, 0)]
                small[k] = (try Self.add(t.0, sign * l.taxable), try Self.add(t.1, sign * l.igst), try Self.add(t.2, sign * l.cgst),
                            try Self.add(t.3, sign * l.sgst))
            }
        }
        for inv in live where inv.buyerGSTIN == nil && !Self.isLarge(inv) {
            try addSmall(inv.interState, inv.placeOfSupplyCode, inv.lines, sign: 1)
        }
        for n in notes where n.buyerGSTIN == nil && !n.againstLarge {
            try addSmall(n.interState, n.placeOfSupplyCode, n.lines, sign: -1)
        }
        let b2csRows: [JSONValue] = small.keys.sorted { ($0.pos, $0.bp, $0.inter ? 1 : 0) < ($1.pos, $1.bp, $1.inter ? 1 : 0) }.map { k in
            let t = small[k]!
            return ["sply_ty": .string(k.inter ? "INTER" : "INTRA"), "pos": .string(k.pos), "typ": "OE", "rt": Self.rate(k.bp),
                    "txval": Self.rupees(t.0), "iamt": Self.rupees(t.1), "camt": Self.rupees(t.2), "samt": Self.rupees(t.3), "csamt": 0]
        }
        if !b2csRows.isEmpty { doc["b2cs"] = .array(b2csRows) }

        // cdnr: credit notes to registered buyers; cdnur: to unregistered buyers of B2C large invoices.
        func noteItems(_ n: Note, withHeads heads: Bool) throws -> [JSONValue] { try items(n.document, withHeads: heads) }
        let registered = Dictionary(grouping: notes.filter { $0.buyerGSTIN != nil }, by: { $0.buyerGSTIN! })
        let cdnrRows: [JSONValue] = try registered.keys.sorted().compactMap { ctin in
            let nts: [JSONValue] = try registered[ctin]!.sorted { $0.sequence < $1.sequence }.compactMap { n in
                let itms = try noteItems(n, withHeads: true)
                guard !itms.isEmpty else { return nil }
                return ["ntty": "C", "nt_num": .string(n.number), "nt_dt": .string(IndianDate.text(n.date)), "val": Self.rupees(n.total),
                        "pos": .string(n.placeOfSupplyCode), "rchrg": "N", "inv_typ": "R", "itms": .array(itms)]
            }
            return nts.isEmpty ? nil : ["ctin": .string(ctin), "nt": .array(nts)]
        }
        if !cdnrRows.isEmpty { doc["cdnr"] = .array(cdnrRows) }
        let cdnurRows: [JSONValue] = try notes.filter { $0.buyerGSTIN == nil && $0.againstLarge }.sorted { $0.sequence < $1.sequence }.compactMap { n in
            let itms = try noteItems(n, withHeads: false)
            guard !itms.isEmpty else { return nil }
            return ["ntty": "C", "nt_num": .string(n.number), "nt_dt": .string(IndianDate.text(n.date)), "val": Self.rupees(n.total),
                    "typ": "B2CL", "pos": .string(n.placeOfSupplyCode), "itms": .array(itms)]
        }
        if !cdnurRows.isEmpty { doc["cdnur"] = .array(cdnurRows) }

        // nil: lines without GST, by registered/unregistered and intra/inter.
        var nilAmounts: [String: Int64] = [:]
        for inv in live {
            for l in inv.lines where (l.rateBP ?? 0) == 0 {
                let kind = (inv.interState ? "INTR" : "INTRA") + (inv.buyerGSTIN != nil ? "B2B" : "B2C")
                nilAmounts[kind] = try Self.add(nilAmounts[kind] ?? 0, l.taxable)
            }
        }
        for n in notes {
            for l in n.lines where (l.rateBP ?? 0) == 0 {
                let kind = (n.interState ? "INTR" : "INTRA") + (n.buyerGSTIN != nil ? "B2B" : "B2C")
                nilAmounts[kind] = try Self.add(nilAmounts[kind] ?? 0, -l.taxable)
            }
        }
        if !nilAmounts.isEmpty {
            doc["nil"] = ["inv": .array(nilAmounts.keys.sorted().map { k in
                ["sply_ty": .string(k), "nil_amt": Self.rupees(nilAmounts[k]!), "expt_amt": 0, "ngsup_amt": 0]
            })]
        }

        // hsn: by HSN, unit and rate; from May 2025 the B2B and B2C supplies in separate tables.
        struct HSNKey: Hashable { let hsn: String; let uqc: String; let bp: Int64 }
        func hsnRows(_ invs: [Invoice], _ credited: [Note]) throws -> [JSONValue] {
            var rows: [HSNKey: (desc: String, qty: Int64, txval: Int64, i: Int64, c: Int64, s: Int64)] = [:]
            for (lines, sign) in invs.map({ ($0.lines, Int64(1)) }) + credited.map({ ($0.lines, Int64(-1)) }) {
                for l in lines {
                    guard let hsn = l.hsn, !hsn.isEmpty else { continue }
                    let k = HSNKey(hsn: hsn, uqc: Self.uqc(l.unit), bp: l.rateBP ?? 0)
                    let t = rows[k] ?? (l.description, 0, 0, 0, 0, 0)
                    rows[k] = (t.desc, try Self.add(t.qty, sign * l.quantity), try Self.add(t.txval, sign * l.taxable), try Self.add(t.i, sign * l.igst),
                               try Self.add(t.c, sign * l.cgst), try Self.add(t.s, sign * l.sgst))
                }
            }
            return rows.keys.sorted { ($0.hsn, $0.bp, $0.uqc) < ($1.hsn, $1.bp, $1.uqc) }.enumerated().map { i, k in
                let t = rows[k]!
                return ["num": .int(Int64(i + 1)), "hsn_sc": .string(k.hsn), "desc": .string(String(t.desc.prefix(30))), "uqc": .string(k.uqc),
                        "qty": .double(Double(t.qty) / 1000), "rt": Self.rate(k.bp), "txval": Self.rupees(t.txval),
                        "iamt": Self.rupees(t.i), "camt": Self.rupees(t.c), "samt": Self.rupees(t.s), "csamt": 0]
            }
        }
        if year > 2025 || (year == 2025 && month >= 5) {
            let b2bHSN = try hsnRows(live.filter { $0.buyerGSTIN != nil }, notes.filter { $0.buyerGSTIN != nil })
            let b2cHSN = try hsnRows(live.filter { $0.buyerGSTIN == nil }, notes.filter { $0.buyerGSTIN == nil })
            if !b2bHSN.isEmpty || !b2cHSN.isEmpty { doc["hsn"] = ["hsn_b2b": .array(b2bHSN), "hsn_b2c": .array(b2cHSN)] }
        } else {
            let rows = try hsnRows(live, notes)
            if !rows.isEmpty { doc["hsn"] = ["data": .array(rows)] }
        }

        // doc_issue: the invoice numbers of the month, voided ones as cancelled; the credit notes (document 5).
        var docDet: [JSONValue] = []
        let numbered = invoices.sorted { $0.sequence < $1.sequence }
        if let first = numbered.first, let last = numbered.last {
            let cancelled = numbered.filter(\.void).count
            docDet.append(["doc_num": 1, "doc_typ": "Invoices for outward supply", "docs": [[
                "num": 1, "from": .string(first.number), "to": .string(last.number), "totnum": .int(Int64(numbered.count)),
                "cancel": .int(Int64(cancelled)), "net_issue": .int(Int64(numbered.count - cancelled)),
            ]]])
        }
        let numberedNotes = notes.sorted { $0.sequence < $1.sequence }
        if let first = numberedNotes.first, let last = numberedNotes.last {
            docDet.append(["doc_num": 5, "doc_typ": "Credit Note", "docs": [[
                "num": 1, "from": .string(first.number), "to": .string(last.number), "totnum": .int(Int64(numberedNotes.count)),
                "cancel": 0, "net_issue": .int(Int64(numberedNotes.count)),
            ]]])
        }
        if !docDet.isEmpty { doc["doc_issue"] = ["doc_det": .array(docDet)] }
        return .object(doc)
    }
}
