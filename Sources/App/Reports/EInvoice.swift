import Foundation
import JSONCore
import LedgerMath

/// An invoice as e-invoice JSON (INV-01, schema version 1.1; issue 17 §4) for a business above the
/// e-invoicing threshold to upload through the portal's bulk tool — the file is the deliverable,
/// there is no GSP submission. Only a tax invoice to a registered buyer (B2B) qualifies. Every
/// amount is the invoice's own stored figure, so the file reconciles with the PDF and GSTR-1.
/// Checked in the tests against `docs/schemas/einvoice.schema.json`, written from the published
/// attribute table.
struct EInvoice {
    struct Party {
        let gstin: String
        let legalName: String
        let address: String?
        let state: String?
        let phone: String?
        let email: String?
    }

    /// The parties as the e-invoice names them: the business and a customer, each under its GSTIN
    /// (nil without one: the document then says it is missing).
    static func seller(_ b: Business) -> Party? {
        b.gstin.map { Party(gstin: $0, legalName: b.name, address: b.address, state: b.state, phone: b.whatsappNumber, email: nil) }
    }

    static func buyer(_ c: Customer) -> Party? {
        c.gstin.map { Party(gstin: $0, legalName: c.name, address: c.address, state: c.state, phone: c.phone, email: c.email) }
    }

    /// What stops an invoice from becoming an e-invoice, as "where: what to add".
    struct Incomplete: Error {
        let problems: [String: String]
    }

    /// A six-digit PIN code in an address ("… Nashik 422001"), the first one found.
    static let pinPattern = #"\b[1-9][0-9]{5}\b"#

    static func pin(in address: String?) -> Int? {
        guard let address, let r = address.range(of: pinPattern, options: .regularExpression) else { return nil }
        return Int(address[r])
    }

    /// The address split as the schema wants it: the first line (1–100 characters) and the place
    /// (3–50 characters: the last part before the PIN, else the state).
    static func addressParts(_ address: String, state: String?) -> (line: String, place: String) {
        let withoutPin = address.replacingOccurrences(of: pinPattern, with: "", options: .regularExpression)
        let parts = withoutPin.split(whereSeparator: { $0 == "," || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "-"))) }.filter { !$0.isEmpty }
        let line = String((parts.first ?? address).prefix(100))
        var place = parts.count > 1 ? parts.last! : (state ?? parts.first ?? "")
        if place.count < 3 { place = state ?? "India" }
        return (line, String(place.prefix(50)))
    }

    static func rupees(_ paise: Int64) -> JSONValue { GSTR1.rupees(paise) }

    /// `dd/mm/yyyy` from `YYYY-MM-DD`.
    static func date(_ ymd: String) -> String {
        let p = ymd.split(separator: "-")
        guard p.count == 3 else { return ymd }
        return "\(p[2])/\(p[1])/\(p[0])"
    }

    static func partyJSON(_ p: Party, pin: Int, placeOfSupply: String?) -> JSONValue {
        let (line, place) = addressParts(p.address ?? "", state: p.state)
        var o: [String: JSONValue] = [
            "Gstin": .string(p.gstin), "LglNm": .string(String(p.legalName.prefix(100))), "Addr1": .string(line),
            "Loc": .string(place), "Pin": .int(Int64(pin)), "Stcd": .string(String(p.gstin.prefix(2))),
        ]
        if let placeOfSupply { o["Pos"] = .string(placeOfSupply) }
        if let phone = p.phone {
            let digits = phone.filter { $0.isASCII && $0.isNumber }
            let local = digits.count > 10 ? String(digits.suffix(10)) : digits
            if (6...12).contains(local.count) { o["Ph"] = .string(local) }
        }
        if let email = p.email, (6...100).contains(email.count) { o["Em"] = .string(email) }
        return .object(o)
    }

    /// The INV-01 document, or `Incomplete` naming every missing piece (a GSTIN, an address with a
    /// PIN code, an HSN code on each line).
    static func document(_ inv: InvoiceDTO, seller: Party?, buyer: Party?) throws -> JSONValue {
        var problems: [String: String] = [:]
        if seller == nil { problems["business.gstin"] = "add your GSTIN in Settings" }
        if buyer == nil { problems["customer.gstin"] = "an e-invoice is for a buyer with a GSTIN; add theirs on the customer" }
        let sellerPin = pin(in: seller?.address), buyerPin = pin(in: buyer?.address)
        if seller != nil && (seller?.address ?? "").isEmpty { problems["business.address"] = "add your address with its PIN code in Settings" }
        else if seller != nil && sellerPin == nil { problems["business.address"] = "add the 6-digit PIN code to your address in Settings" }
        if buyer != nil && (buyer?.address ?? "").isEmpty { problems["customer.address"] = "add the customer's address with its PIN code" }
        else if buyer != nil && buyerPin == nil { problems["customer.address"] = "add the 6-digit PIN code to the customer's address" }
        for (i, item) in inv.items.enumerated() where (item.hsn ?? "").isEmpty {
            problems["items[\(i)].hsn"] = "\(item.description) needs an HSN code"
        }
        guard problems.isEmpty, let seller, let buyer, let sellerPin, let buyerPin else { throw Incomplete(problems: problems) }

        var items: [JSONValue] = []
        for (i, item) in inv.items.enumerated() {
            let qty = Double(item.quantity.thousandths) / 1000
            // Before GST: a price that includes it is shown as its taxable value per unit.
            let gross = item.priceIncludesGst ? item.taxableValue : item.taxableValue + item.discount
            let discount = item.priceIncludesGst ? 0 : item.discount
            let unitPrice = item.priceIncludesGst
                ? (Double(item.taxableValue) / 100 / max(qty, 0.001) * 1000).rounded() / 1000
                : Double(item.unitPrice) / 100
            let rate = item.gstRate.map { Double($0.basisPoints) / 100 } ?? 0
            items.append([
                "SlNo": .string(String(i + 1)), "PrdDesc": .string(String(item.description.prefix(300))),
                "IsServc": "N", "HsnCd": .string(item.hsn ?? ""), "Qty": .double(qty), "Unit": .string(GSTR1.uqc(item.unit)),
                "UnitPrice": .double(unitPrice), "TotAmt": rupees(gross), "Discount": rupees(discount),
                "AssAmt": rupees(item.taxableValue), "GstRt": .double(rate),
                "IgstAmt": rupees(item.igst), "CgstAmt": rupees(item.cgst), "SgstAmt": rupees(item.sgst),
                "CesRt": 0, "CesAmt": 0, "CesNonAdvlAmt": 0, "StateCesRt": 0, "StateCesAmt": 0, "StateCesNonAdvlAmt": 0,
                "OthChrg": 0, "TotItemVal": rupees(item.total),
            ])
        }
        // ValDtls.Discount is an invoice-level discount: line discounts are already in each AssAmt.
        return [
            "Version": "1.1",
            "TranDtls": ["TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N", "IgstOnIntra": "N"],
            "DocDtls": ["Typ": "INV", "No": .string(inv.number ?? ""), "Dt": .string(date(inv.issueDate))],
            "SellerDtls": partyJSON(seller, pin: sellerPin, placeOfSupply: nil),
            "BuyerDtls": partyJSON(buyer, pin: buyerPin, placeOfSupply: inv.placeOfSupplyCode ?? String(buyer.gstin.prefix(2))),
            "ItemList": .array(items),
            "ValDtls": [
                "AssVal": rupees(inv.subtotal), "CgstVal": rupees(inv.cgst), "SgstVal": rupees(inv.sgst), "IgstVal": rupees(inv.igst),
                "CesVal": 0, "StCesVal": 0, "Discount": 0, "OthChrg": 0, "RndOffAmt": rupees(inv.roundOff), "TotInvVal": rupees(inv.total),
            ],
        ]
    }
}
