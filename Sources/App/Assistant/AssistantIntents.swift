import AssistantNLU
import Fluent
import Foundation
import Vapor

extension AssistantService {
    // MARK: resolution

    enum Resolved<T> {
        case ok(T)
        case asked(String)
    }

    func resolveCustomer(_ s: inout PendingState, say: Say, offerCreate: Bool) async throws -> Resolved<(UUID?, String)> {
        if let id = s.customerID, let name = s.customerName { return .ok((id, name)) }
        if s.newCustomer, let name = s.customerName { return .ok((nil, name)) }
        guard let name = s.intent.string("customer") else {
            s.awaiting = "customer"
            s.asked = true
            return .asked(s.intent.intent == .createInvoice ? say("Who is this sale for?", "Kisko becha?", "किसको बेचा?") : say("Which customer?", "Kaun sa customer?", "कौन सा ग्राहक?"))
        }
        let customers = try await catalog().customers
        switch NameMatcher.match(name, in: customers) {
        case .match(let e):
            s.customerID = UUID(uuidString: e.id)
            s.customerName = e.name
            return .ok((s.customerID, e.name))
        case .ambiguous(let list):
            s.choices = list.prefix(9).compactMap { e in UUID(uuidString: e.id).map { PendingState.Choice(id: $0, name: e.name) } }
            s.awaiting = "choose_customer"
            s.asked = true
            return .asked(say("Which \(name)? Reply with a number:\n", "Kaun sa \(name)? Number bhejiye:\n", "कौन सा \(name)? नंबर भेजिए:\n") + Self.numbered(s.choices))
        case .none(let suggestions):
            s.asked = true
            if offerCreate {
                s.awaiting = "create_customer"
                return .asked(say("I don't have a customer called \(name). Create customer \(name)? (yes/no)",
                                  "\(name) naam ka customer nahi mila. Naya customer \(name) bana doon? (haan/nahi)", "\(name) नाम का ग्राहक नहीं मिला। नया ग्राहक \(name) बना दूँ? (हाँ/नहीं)"))
            }
            s.awaiting = "customer"
            let hint = suggestions.prefix(3).map(\.name).joined(separator: ", ")
            return .asked(say("I don't have a customer called \(name).", "\(name) naam ka customer nahi mila.", "\(name) नाम का ग्राहक नहीं मिला।")
                          + (hint.isEmpty ? "" : say(" Did you mean: \(hint)?", " Kya aapka matlab: \(hint)?", " क्या आपका मतलब: \(hint)?"))
                          + say(" Which customer?", " Kaun sa customer?", " कौन सा ग्राहक?"))
        }
    }

    func resolveProduct(_ s: inout PendingState, index: Int, name: String?, say: Say) async throws -> Resolved<Product> {
        while s.productIDs.count <= index { s.productIDs.append(nil) }
        if let id = s.productIDs[index] { return .ok(try await ledger.product(id)) }
        guard let name else {
            s.awaiting = "product:\(index)"
            s.asked = true
            return .asked(say("Which product?", "Kaun sa saamaan?", "कौन सा सामान?"))
        }
        switch NameMatcher.match(name, in: try await catalog().products) {
        case .match(let e):
            guard let id = UUID(uuidString: e.id) else { throw APIError.notFound("Product") }
            s.productIDs[index] = id
            return .ok(try await ledger.product(id))
        case .ambiguous(let list):
            s.choices = list.prefix(9).compactMap { e in UUID(uuidString: e.id).map { PendingState.Choice(id: $0, name: e.name) } }
            s.awaiting = "choose_product:\(index)"
            s.asked = true
            return .asked(say("Which \(name)? Reply with a number:\n", "Kaun sa \(name)? Number bhejiye:\n", "कौन सा \(name)? नंबर भेजिए:\n") + Self.numbered(s.choices))
        case .none(let suggestions):
            s.awaiting = "product:\(index)"
            s.asked = true
            let hint = suggestions.prefix(3).map(\.name).joined(separator: ", ")
            return .asked(say("I can't find \"\(name)\" among your products.", "\"\(name)\" aapke products mein nahi mila.", "\"\(name)\" आपके सामान में नहीं मिला।")
                          + (hint.isEmpty ? say(" Which product is it? (Add new ones with \"add product \(name) at 100\".)",
                                                " Kaun sa product hai? (Naya jodne ke liye: \"add product \(name) at 100\".)")
                                          : say(" Did you mean: \(hint)?", " Kya aapka matlab: \(hint)?", " क्या आपका मतलब: \(hint)?")))
        }
    }

    // MARK: the state machine

    func advance(_ s: inout PendingState, say: Say) async throws -> Step {
        switch s.intent.intent {
        case .createInvoice: return try await advanceInvoice(&s, say: say)
        case .recordPayment: return try await advancePayment(&s, say: say)
        case .checkStock, .updateStock: return try await advanceStock(&s, say: say)
        case .customerBalance: return try await advanceBalance(&s, say: say)
        case .listDebtors: return try await debtors(say: say)
        case .sendPaymentReminder: return try await advanceReminder(&s, say: say)
        case .createPaymentLink: return try await advancePaymentLink(&s, say: say)
        case .generateReport:
            // The same files as the Reports page (issue 6 §4).
            let report = s.intent.string("report") ?? "sales", format = s.intent.string("format") ?? "pdf"
            let id = ["inventory": "inventory", "ledger": "ledger", "debtors": "aging-debtors", "sales": "sales-by-product"][report] ?? "sales-by-product"
            let business = try await ledger.business()
            let periods = Periods(now: now, timezone: business.timezone)
            let period = s.intent.string("period") ?? "this_month"
            let (from, to) = periods.range(period)
            let info = ReportsController.catalog.first { $0.id == id }
            let url = Endpoint.reportFile.path("\(id).\(format)") + ((info?.period ?? false) ? "?from=\(from)&to=\(to)" : "")
            let title = info?.title ?? report.capitalized
            return .done(say("Your \(title.lowercased()) report (\(format.uppercased())) is ready to download.",
                             "\(title) report (\(format.uppercased())) download ke liye taiyaar hai."),
                         CardDraft(kind: "report", status: .info, title: title, command: CardCommand(),
                                   data: ["report": .string(report), "format": .string(format), "period": .optional((info?.period ?? false) ? period : nil),
                                          "available": true, "url": .string(url), "from": .string(from), "to": .string(to),
                                          "message": .string(say("Opens the same file as the Reports page.", "Reports page wali file."))]))
        case .salesSummary: return try await salesSummary(period: s.intent.string("period") ?? "today", say: say)
        case .addProduct: return try await advanceAddProduct(&s, say: say)
        case .addCustomer: return try await advanceAddCustomer(&s, say: say)
        case .draftSocialPost: return advanceSocialPost(&s, say: say)
        case .recordExpense: return try await advanceExpense(&s, say: say)
        case .booksSummary: return try await booksSummary(s.intent, say: say)
        case .recordPurchase: return try await advancePurchase(&s, say: say)
        case .paySupplier: return try await advanceSupplierPayment(&s, say: say)
        case .sendInvoice: return try await advanceSendInvoice(&s, say: say)
        case .help:
            return .done(say("""
                I keep your books. Try: "sold 5 bags cement to Ramesh at 350, he paid 1000", "Ramesh paid 500 by UPI", \
                "how much cement is left", "received 50 bags cement", "who owes me money", "Ramesh's balance", "sales this month", \
                "paid rent 15000", "bought 100 bags cement from Ambuja at 320", "paid Ambuja 20000 by NEFT", \
                "cash kitna hai", "profit this month".
                """, """
                Main aapka hisaab rakhta hoon. Likhiye: "Ramesh ko 5 bori cement 350 ke rate se becha, 1000 diye", "Suresh ne 2000 diye", \
                "cement kitna bacha hai", "kisne paise dene hain", "Ramesh ka kitna baaki hai", \
                "bijli ka bill 2300 diya", "Sharma supplier se 50 bori cement 310 mein liya", "cash kitna hai", "aaj ka munafa kitna".
                """), nil)
        case .greeting:
            return .done(say("Namaste! What shall we record? For example: \"sold 2 bags cement to Ramesh at 350\".",
                             "Namaste! Kya likhna hai? Jaise: \"Ramesh ko 2 bori cement 350 mein becha\".", "नमस्ते! क्या लिखना है? जैसे: \"रमेश को 2 बोरी सीमेंट 350 में बेचा\"।"), nil)
        case .unknown:
            return .done(say("Sorry, I didn't understand that. Try \"sold 2 bags cement to Ramesh at 350\" or type \"help\".",
                             "Maaf kijiye, samajh nahi aaya. Aise likhiye: \"Ramesh ko 2 bori cement 350 mein becha\" ya \"help\".", "माफ़ कीजिए, समझ नहीं आया। ऐसे लिखिए: \"रमेश को 2 बोरी सीमेंट 350 में बेचा\" या \"help\"।"), nil)
        }
    }

    func advanceInvoice(_ s: inout PendingState, say: Say) async throws -> Step {
        let customer: (UUID?, String)
        switch try await resolveCustomer(&s, say: say, offerCreate: true) {
        case .asked(let q): return .ask(q)
        case .ok(let c): customer = c
        }
        var items = s.intent.items
        if items.isEmpty {
            s.awaiting = "items"
            s.asked = true
            return .ask(say("What did you sell, and how many? For example: 5 bags cement.", "Kya becha, kitna? Jaise: 5 bori cement.", "क्या बेचा, कितना? जैसे: 5 बोरी सीमेंट।"))
        }
        var lines: [CardCommand.Line] = []
        for i in items.indices {
            let product: Product
            switch try await resolveProduct(&s, index: i, name: ParsedIntent.text(items[i]["product"]), say: say) {
            case .asked(let q): return .ask(q)
            case .ok(let p): product = p
            }
            guard let qty = ParsedIntent.number(items[i]["quantity"]), qty > 0 else {
                s.awaiting = "quantity:\(i)"
                s.asked = true
                return .ask(say("How many \(Self.unitLabel(product.unit)) of \(product.name)?", "\(product.name) kitne \(product.unit)?", "\(product.name) कितने \(product.unit)?"))
            }
            while s.priceConfirmed.count <= i { s.priceConfirmed.append(false) }
            var price = ParsedIntent.paise(items[i]["unit_price"])
            if price == nil {
                if product.price > 0 {
                    if s.asked && !s.priceConfirmed[i] {
                        s.awaiting = "confirm_price:\(i)"
                        let incl = product.priceIncludesGST && (product.gstRateBP ?? 0) > 0
                        return .ask(say("\(Money.format(product.price)) per \(product.unit)\(incl ? " incl. GST" : "") as in the catalog? (yes, or tell me the price)",
                                        "\(Money.format(product.price)) prati \(product.unit)\(incl ? " GST sahit" : ""), catalog wala rate? (haan, ya rate bataiye)", "\(Money.format(product.price)) प्रति \(product.unit)\(incl ? " GST सहित" : ""), कैटलॉग वाला रेट? (हाँ, या रेट बताइए)"))
                    }
                    price = product.price
                    items[i]["unit_price"] = .int(product.price)
                } else {
                    s.awaiting = "unit_price:\(i)"
                    s.asked = true
                    return .ask(say("At what price per \(product.unit)?", "Kis rate par (prati \(product.unit))?", "किस रेट पर (प्रति \(product.unit))?"))
                }
            }
            guard let quantity = Quantity(exactly: qty) else {
                throw APIError.amountTooLarge(["items[\(i)].quantity": "must be at most \(Bounds.maxQuantityUnits)"])
            }
            if price! > Bounds.maxAmount { throw APIError.amountTooLarge(["items[\(i)].unit_price"]) }
            lines.append(.init(productID: product.id!, name: product.name, quantity: quantity.thousandths, unitPrice: price!))
        }
        s.intent.setItems(items)
        for key in ["amount_paid", "discount"] {
            if let v = s.intent.paise(key), v > Bounds.maxAmount { throw APIError.amountTooLarge([key]) }
        }
        var command = CardCommand(customerID: customer.0, customerName: customer.1, newCustomer: customer.0 == nil ? true : nil, lines: lines,
                                  amountPaid: s.intent.paise("amount_paid"), paymentMode: s.intent.string("payment_mode"),
                                  discount: s.intent.paise("discount"))
        // Price check (as in the prototype): paid a little less than the total and not said to be
        // on credit → ask whether the difference is a discount or still due.
        if command.discount == -1 {
            let gross = try await invoicePreviewTotals(command).total
            command.discount = max(0, gross - (command.amountPaid ?? gross))
        }
        let preview = try await invoicePreview(command)
        if let paid = command.amountPaid, paid > 0, s.intent.bool("due") != true, !s.priceCheckAnswered,
           (command.discount ?? 0) == 0, paid < preview.total, (preview.total - paid) * 5 <= preview.total {
            s.awaiting = "price_check"
            s.asked = true
            let diff = Money.format(preview.total - paid)
            return .ask(say("The total is \(Money.format(preview.total)) but \(Money.format(paid)) was paid. Is the \(diff) difference a discount, or is it still due?",
                            "Total \(Money.format(preview.total)) hai, \(Money.format(paid)) mile. \(diff) ka farak discount hai ya baaki?", "कुल \(Money.format(preview.total)) है, \(Money.format(paid)) मिले। \(diff) का फ़र्क छूट है या बाकी?"))
        }
        return .done(say("Here is the invoice. Confirm to save it.", "Yeh raha bill. Save karne ke liye Confirm kijiye.", "यह रहा बिल। सेव करने के लिए Confirm दबाइए।"),
                     CardDraft(kind: "invoice_preview", status: .pending, title: say("Invoice for \(customer.1)", "\(customer.1) ka bill", "\(customer.1) का बिल"),
                               command: command, data: preview.data))
    }

    struct InvoiceTotals {
        let total: Int64
        let data: JSONValue
    }

    /// Line inputs with an invoice-level discount spread from the last line backwards.
    func lineInputs(_ c: CardCommand) -> [InvoiceLineInput] {
        var discountLeft = max(0, c.discount ?? 0)
        var inputs = (c.lines ?? []).map { InvoiceLineInput(productId: $0.productID, quantity: Quantity(thousandths: $0.quantity), unitPrice: $0.unitPrice) }
        for i in inputs.indices.reversed() where discountLeft > 0 {
            // Past the bounds the ledger refuses the line anyway (422 amount_too_large); no discount.
            let gross = Money.lineAmount(quantity: inputs[i].quantity, unitPrice: inputs[i].unitPrice ?? 0) ?? 0
            let d = min(gross, discountLeft)
            inputs[i].discount = d
            discountLeft -= d
        }
        return inputs
    }

    func invoicePreviewTotals(_ c: CardCommand) async throws -> InvoiceTotals {
        var c2 = c
        c2.discount = 0
        return try await invoicePreview(c2)
    }

    func invoicePreview(_ c: CardCommand) async throws -> InvoiceTotals {
        var before: Int64 = 0
        var interState = false
        if let cid = c.customerID {
            // The invoice will be supplied to the customer's state: the preview taxes it the same way.
            let customer = try await ledger.customer(cid)
            before = customer.balance
            interState = try await ledger.isInterState(try await ledger.placeOfSupply(given: nil, customer: customer, on: db), on: db)
        }
        let computed = try await ledger.computeLines(lineInputs(c), interState: interState, on: db)
        let total = try Money.sum(computed.map(\.total), field: "total")
        let paid = max(0, c.amountPaid ?? 0)
        let lines: [JSONValue] = zip(c.lines ?? [], computed).map { line, comp in
            ["product_id": .string(line.productID.uuidString), "product": .string(line.name), "quantity": .quantity(comp.quantity),
             "unit": .string(comp.unit), "unit_price": .int(comp.unitPrice), "gst_rate": comp.gstRateBP.map { $0 % 100 == 0 ? .int($0 / 100) : .double(Double($0) / 100) } ?? .null,
             "total": .int(comp.total), "price_includes_gst": .bool(comp.priceIncludesGST)]
        }
        let data: JSONValue = [
            "customer": .ref(c.customerID, c.customerName), "new_customer": .bool(c.newCustomer == true), "lines": .array(lines),
            "subtotal": .int(try Money.sum(computed.map(\.taxable), field: "total")),
            "discount": .int(try Money.sum(computed.map(\.discount), field: "total")),
            "tax_total": .int(try Money.sum(computed.map(\.tax), field: "total")), "total": .int(total), "amount_paid": .int(paid),
            "payment_mode": paid > 0 ? .string(c.paymentMode ?? "cash") : .null, "balance_due": .int(max(0, total - paid)),
            "customer_balance_before": .int(before), "customer_balance_after": .int(try Money.subtract(try Money.add(before, total, field: "total"), paid, field: "amount_paid")),
        ]
        return InvoiceTotals(total: total, data: data)
    }

    /// A known customer and a positive `amount` (payments and payment links), asking for what is missing.
    func resolveCustomerAndAmount(_ s: inout PendingState, say: Say, question: (String) -> String) async throws -> Resolved<((UUID?, String), Int64)> {
        let customer: (UUID?, String)
        switch try await resolveCustomer(&s, say: say, offerCreate: false) {
        case .asked(let q): return .asked(q)
        case .ok(let c): customer = c
        }
        if let amount = s.intent.paise("amount"), amount > Bounds.maxAmount { throw APIError.amountTooLarge(["amount"]) }
        guard let amount = s.intent.paise("amount"), amount > 0 else {
            s.awaiting = "amount"
            s.asked = true
            return .asked(question(customer.1))
        }
        return .ok((customer, amount))
    }

    static func stockCard(_ p: Product) -> CardDraft {
        let dto = ProductDTO(p)
        return CardDraft(kind: "stock", status: .info, title: p.name, command: CardCommand(),
                         data: ["product": .ref(p.id, p.name), "stock": .quantity(p.stock), "unit": .string(p.unit),
                                "low_stock": .bool(dto.lowStock), "low_stock_threshold": .quantity(p.lowStockThreshold)])
    }

    func advancePayment(_ s: inout PendingState, say: Say) async throws -> Step {
        let customer: (UUID?, String), amount: Int64
        switch try await resolveCustomerAndAmount(&s, say: say, question: { say("How much did \($0) pay?", "\($0) ne kitne diye?", "\($0) ने कितने दिए?") }) {
        case .asked(let q): return .ask(q)
        case .ok(let r): (customer, amount) = r
        }
        let command = CardCommand(customerID: customer.0, customerName: customer.1, paymentMode: s.intent.string("payment_mode") ?? "cash", amount: amount)
        return .done(say("Confirm to record this payment.", "Payment save karne ke liye Confirm kijiye.", "भुगतान सेव करने के लिए Confirm दबाइए।"),
                     CardDraft(kind: "payment_preview", status: .pending, title: say("Payment from \(customer.1)", "\(customer.1) se payment", "\(customer.1) से भुगतान"),
                               command: command, data: try await paymentPreview(command)))
    }

    /// Which open invoices the payment would settle, oldest first (the ledger's allocation order).
    func paymentPreview(_ c: CardCommand) async throws -> JSONValue {
        guard let cid = c.customerID else { throw APIError.notFound("Customer") }
        let customer = try await ledger.customer(cid)
        let open = try await ledger.reads.openInvoices(customerID: cid)
        var left = c.amount ?? 0
        var settles: [JSONValue] = []
        for inv in open where left > 0 {
            let share = min(left, inv.total - inv.amountPaid)
            guard share > 0 else { continue }
            settles.append(["invoice_id": .string(inv.id!.uuidString), "number": .optional(inv.numberText), "amount": .int(share)])
            left -= share
        }
        return ["customer": .ref(cid, customer.name), "amount": .int(c.amount ?? 0), "payment_mode": .string(c.paymentMode ?? "cash"),
                "settles": .array(settles), "credit": .int(left), "balance_before": .int(customer.balance),
                "balance_after": .int(customer.balance - (c.amount ?? 0)), "payment_id": .null]
    }

    func advanceStock(_ s: inout PendingState, say: Say) async throws -> Step {
        let product: Product
        switch try await resolveProduct(&s, index: 0, name: s.intent.string("product"), say: say) {
        case .asked(let q): return .ask(q)
        case .ok(let p): product = p
        }
        if s.intent.intent == .checkStock {
            let dto = ProductDTO(product)
            let message = say("\(product.name): \(dto.stock) \(Self.unitLabel(product.unit, product.stock)) in stock.", "\(product.name): \(dto.stock) \(product.unit) bacha hai.", "\(product.name): \(dto.stock) \(product.unit) बचा है।")
                + (dto.lowStock ? say(" That is at or below the low-stock level.", " Stock kam hai.", " स्टॉक कम है।") : "")
            return .done(message, Self.stockCard(product))
        }
        guard let qty = s.intent.number("quantity"), qty > 0 else {
            s.awaiting = "stock_quantity"
            s.asked = true
            return .ask(say("How many \(Self.unitLabel(product.unit))?", "Kitne \(product.unit)?", "कितने \(product.unit)?"))
        }
        guard let quantity = Quantity(exactly: qty) else {
            throw APIError.amountTooLarge(["quantity": "must be at most \(Bounds.maxQuantityUnits)"])
        }
        let command = CardCommand(productID: product.id, productName: product.name, mode: s.intent.string("mode") ?? "add",
                                  quantity: quantity.thousandths)
        return .done(say("Confirm to update the stock.", "Stock update karne ke liye Confirm kijiye.", "स्टॉक बदलने के लिए Confirm दबाइए।"),
                     CardDraft(kind: "stock_update_preview", status: .pending, title: product.name, command: command,
                               data: try await stockPreview(command)))
    }

    func stockPreview(_ c: CardCommand) async throws -> JSONValue {
        guard let pid = c.productID else { throw APIError.notFound("Product") }
        let p = try await ledger.product(pid)
        let q = c.quantity ?? 0
        let after: Int64
        switch c.mode ?? "add" {
        case "set": after = q
        case "remove": after = p.stock - q
        default: after = p.stock + q
        }
        return ["product": .ref(pid, p.name), "mode": .string(c.mode ?? "add"), "quantity": .quantity(q), "unit": .string(p.unit),
                "stock_before": .quantity(p.stock), "stock_after": .quantity(after)]
    }

    func advanceBalance(_ s: inout PendingState, say: Say) async throws -> Step {
        let customer: (UUID?, String)
        switch try await resolveCustomer(&s, say: say, offerCreate: false) {
        case .asked(let q): return .ask(q)
        case .ok(let c): customer = c
        }
        guard let cid = customer.0 else { throw APIError.notFound("Customer") }
        let c = try await ledger.customer(cid)
        let invoices = try await ledger.reads.postedInvoices(customerID: cid)
        let payments = try await ledger.reads.payments(customerID: cid)
        let billed = try Money.sum(invoices.map(\.total), field: "total")
        let paid = try Money.sum(payments.map(\.amount), field: "amount")
        let last: JSONValue = payments.first.map { ["amount": .int($0.amount), "paid_on": .string($0.paidOn)] } ?? .null
        let message = c.balance > 0
            ? say("\(c.name) owes \(Money.format(c.balance)).", "\(c.name) ke \(Money.format(c.balance)) baaki hain.", "\(c.name) के \(Money.format(c.balance)) बाकी हैं।")
            : c.balance < 0 ? say("\(c.name) has \(Money.format(-c.balance)) in credit.", "\(c.name) ka \(Money.format(-c.balance)) advance jama hai.", "\(c.name) का \(Money.format(-c.balance)) एडवांस जमा है।")
                            : say("\(c.name) owes nothing.", "\(c.name) ka kuch baaki nahi.", "\(c.name) का कुछ बाकी नहीं।")
        return .done(message, CardDraft(kind: "balance", status: .info, title: c.name, command: CardCommand(),
                                        data: ["customer": .ref(cid, c.name), "billed": .int(billed), "paid": .int(paid), "due": .int(c.balance), "last_payment": last]))
    }

    func debtors(say: Say) async throws -> Step {
        let business = try await ledger.business()
        let today = Validate.localDate(now, timezone: business.timezone)
        let owing = try await ledger.reads.debtors(limit: 50)
        let rows: [JSONValue] = try await DashboardService.debtors(owing, ledger: ledger.reads, today: today).map {
            ["customer": .ref($0.customer.id, $0.customer.name), "due": .int($0.due), "days_overdue": .int(Int64($0.daysOverdue))]
        }
        let total = try Money.sum(owing.map(\.balance), field: "balance")
        let message = owing.isEmpty ? say("Nobody owes you money right now.", "Abhi kisi ka kuch baaki nahi.", "अभी किसी का कुछ बाकी नहीं।")
            : say("\(owing.count) customers owe you \(Money.format(total)) in all.", "\(owing.count) customers ke kul \(Money.format(total)) baaki hain.", "\(owing.count) ग्राहकों के कुल \(Money.format(total)) बाकी हैं।")
        return .done(message, CardDraft(kind: "debtors", status: .info, title: say("Who owes you", "Baaki wale", "बाकी वाले"), command: CardCommand(),
                                        data: ["debtors": .array(rows), "total_due": .int(total)]))
    }


    func advanceReminder(_ s: inout PendingState, say: Say) async throws -> Step {
        let business = try await ledger.business()
        var targets: [CardCommand.ReminderTarget] = []
        if s.intent.string("customer") != nil || s.customerID != nil {
            switch try await resolveCustomer(&s, say: say, offerCreate: false) {
            case .asked(let q): return .ask(q)
            case .ok(let c):
                guard let id = c.0 else { break }
                let balance = try await ledger.customer(id).balance
                guard balance > 0 else {
                    return .done(say("\(c.1) owes nothing (\(Self.balanceText(balance, say: say))), so there is no reminder to send.",
                                     "\(c.1) ka kuch baaki nahi (\(Self.balanceText(balance, say: say))), reminder ki zarurat nahi."), nil)
                }
                targets = [.init(id: id, name: c.1, due: balance)]
            }
        } else {
            targets = try await ledger.reads.debtors(limit: 50).map { .init(id: $0.id!, name: $0.name, due: $0.balance) }
        }
        guard !targets.isEmpty else { return .done(say("Nobody owes you money, so there is no reminder to send.", "Kisi ka baaki nahi, reminder ki zarurat nahi.", "किसी का बाकी नहीं, याद दिलाने की ज़रूरत नहीं।"), nil) }
        // The template is kept on the command (filled per customer when sent); the card shows each
        // customer's filled-in message.
        let template = say("Namaste {name}, a friendly reminder from \(business.name): {amount} is due. Thank you!",
                           "Namaste {name}, \(business.name) se yaad dilana tha: {amount} baaki hai. Dhanyavaad!")
        func fill(_ t: CardCommand.ReminderTarget) -> String {
            template.replacingOccurrences(of: "{name}", with: t.name).replacingOccurrences(of: "{amount}", with: Money.format(t.due))
        }
        let text = fill(targets[0])
        let command = CardCommand(text: template, customers: targets)
        return .done(say("Here is the reminder. Confirm to send it to each customer on WhatsApp.",
                         "Reminder taiyaar hai. Confirm karke WhatsApp par bhejiye."),
                     CardDraft(kind: "reminder_preview", status: .pending, title: say("Payment reminder", "Payment reminder"), command: command,
                               data: ["customers": .array(targets.map { ["id": .string($0.id.uuidString), "name": .string($0.name), "due": .int($0.due)] }),
                                      "text": .string(text),
                                      "messages": .array(targets.map { ["customer_id": .string($0.id.uuidString), "text": .string(fill($0))] })]))
    }

    /// "Ramesh ko bill bhejo" (issue 18 §4): the customer's latest posted invoice (or the one
    /// named), previewed with the message it goes with; Confirm sends it on WhatsApp with the PDF
    /// (as the approved template outside the 24-hour window).
    func advanceSendInvoice(_ s: inout PendingState, say: Say) async throws -> Step {
        let customer: (UUID?, String)
        switch try await resolveCustomer(&s, say: say, offerCreate: false) {
        case .asked(let q): return .ask(q)
        case .ok(let c): customer = c
        }
        guard let customerID = customer.0 else { return .ask(say("Which customer?", "Kaun sa customer?", "कौन सा ग्राहक?")) }
        let reads = ledger.reads
        var invoice: Invoice? = nil
        if let text = s.intent.string("invoice_number"), let n = Int64(text.filter(\.isNumber)), n > 0 {
            invoice = try await reads.invoice(number: n)
            guard let inv = invoice, inv.customerID == customerID, InvoiceStatus.posted.contains(inv.status) else {
                return .done(say("\(customer.1) has no issued invoice \(text).", "\(customer.1) ka \(text) naam ka bill nahi mila."), nil)
            }
        } else {
            invoice = try await reads.latestPostedInvoice(customerID: customerID)
        }
        guard let inv = invoice, let number = inv.numberText else {
            return .done(say("\(customer.1) has no issued invoice to send yet.", "\(customer.1) ka abhi koi bill nahi bana."), nil)
        }
        let c = try await ledger.customer(customerID)
        guard let phone = c.phone else {
            return .done(say("\(c.name) has no phone number; add one on their page to send the invoice.",
                             "\(c.name) ka phone number nahi hai; unke page par jodiye, phir bill bhej sakte hain."), nil)
        }
        let due = max(0, inv.balanceDue)
        return .done(say("Here is \(number) for \(c.name). Confirm to send it with the PDF on WhatsApp.",
                         "\(c.name) ka bill \(number) taiyaar hai. Confirm karke PDF ke saath WhatsApp par bhejiye."),
                     CardDraft(kind: "invoice_send_preview", status: .pending, title: say("Send invoice \(number)", "Bill \(number) bhejna"),
                               command: CardCommand(customerID: customerID, customerName: c.name, invoiceID: inv.id!),
                               data: ["invoice_id": .string(inv.id!.uuidString), "number": .string(number), "customer": .string(c.name),
                                      "phone": .string(phone), "total": .int(inv.total), "due": .int(due), "issue_date": .string(inv.issueDate)]))
    }

    // MARK: the other half of the books (issue 16 §6)

    var books: BooksService {
        BooksService(db: ledger.db, store: ledger.store, businessID: ledger.businessID, userID: ledger.userID, now: now)
    }

    func advanceExpense(_ s: inout PendingState, say: Say) async throws -> Step {
        let category = s.intent.string("category") ?? "Other"
        if let amount = s.intent.paise("amount"), amount > Bounds.maxAmount { throw APIError.amountTooLarge(["amount"]) }
        guard let amount = s.intent.paise("amount"), amount > 0 else {
            s.awaiting = "amount"
            s.asked = true
            return .ask(say("How much was spent on \(category.lowercased())?", "\(category) par kitna kharcha hua?", "\(category) पर कितना ख़र्चा हुआ?"))
        }
        let command = CardCommand(paymentMode: s.intent.string("payment_mode") ?? "cash", amount: amount, name: category, text: s.intent.string("note"))
        return .done(say("Confirm to record this expense.", "Kharcha save karne ke liye Confirm kijiye.", "ख़र्चा सेव करने के लिए Confirm दबाइए।"),
                     CardDraft(kind: "expense_preview", status: .pending, title: say("Expense: \(category)", "Kharcha: \(category)", "ख़र्चा: \(category)"),
                               command: command, data: try await expensePreview(command)))
    }

    /// The account the money leaves and its balance before and after.
    func expensePreview(_ c: CardCommand) async throws -> JSONValue {
        let mode = PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash
        let account = try await books.defaultAccount(for: mode)
        let amount = c.amount ?? 0
        return ["category": .optional(c.name), "note": .optional(c.text), "amount": .int(amount), "payment_mode": .string(mode.rawValue),
                "account": .ref(account.id, account.name), "account_balance_before": .int(account.balance),
                "account_balance_after": .int(account.balance - amount), "expense_id": .null]
    }

    /// The supplier named by a purchase or supplier payment (held in the state's party fields),
    /// asking when it is missing, ambiguous or — for a purchase — new.
    func resolveSupplier(_ s: inout PendingState, say: Say, offerCreate: Bool) async throws -> Resolved<(UUID?, String)> {
        if let id = s.customerID, let name = s.customerName { return .ok((id, name)) }
        if s.newCustomer, let name = s.customerName { return .ok((nil, name)) }
        guard let name = s.intent.string("supplier") else {
            s.awaiting = "supplier"
            s.asked = true
            return .asked(s.intent.intent == .recordPurchase ? say("Who did you buy it from?", "Kis supplier se liya?", "किस सप्लायर से लिया?") : say("Which supplier?", "Kaun sa supplier?", "कौन सा सप्लायर?"))
        }
        switch NameMatcher.match(name, in: try await catalog().suppliers) {
        case .match(let e):
            s.customerID = UUID(uuidString: e.id)
            s.customerName = e.name
            return .ok((s.customerID, e.name))
        case .ambiguous(let list):
            s.choices = list.prefix(9).compactMap { e in UUID(uuidString: e.id).map { PendingState.Choice(id: $0, name: e.name) } }
            s.awaiting = "choose_supplier"
            s.asked = true
            return .asked(say("Which \(name)? Reply with a number:\n", "Kaun sa \(name)? Number bhejiye:\n", "कौन सा \(name)? नंबर भेजिए:\n") + Self.numbered(s.choices))
        case .none(let suggestions):
            s.asked = true
            if offerCreate {
                s.awaiting = "create_supplier"
                return .asked(say("I don't have a supplier called \(name). Add supplier \(name)? (yes/no)",
                                  "\(name) naam ka supplier nahi mila. Naya supplier \(name) bana doon? (haan/nahi)"))
            }
            s.awaiting = "supplier"
            let hint = suggestions.prefix(3).map(\.name).joined(separator: ", ")
            return .asked(say("I don't have a supplier called \(name).", "\(name) naam ka supplier nahi mila.")
                          + (hint.isEmpty ? "" : say(" Did you mean: \(hint)?", " Kya aapka matlab: \(hint)?", " क्या आपका मतलब: \(hint)?"))
                          + say(" Which supplier?", " Kaun sa supplier?"))
        }
    }

    /// "bought 100 bags cement from Ambuja Traders at 320": a purchase bill previewed with GST,
    /// the stock it adds and what the shop will owe the supplier.
    func advancePurchase(_ s: inout PendingState, say: Say) async throws -> Step {
        let supplier: (UUID?, String)
        switch try await resolveSupplier(&s, say: say, offerCreate: true) {
        case .asked(let q): return .ask(q)
        case .ok(let v): supplier = v
        }
        var items = s.intent.items
        if items.isEmpty {
            s.awaiting = "items"
            s.asked = true
            return .ask(say("What did you buy, and how many? For example: 100 bags cement at 320.", "Kya liya, kitna? Jaise: 100 bori cement 320 mein.", "क्या लिया, कितना? जैसे: 100 बोरी सीमेंट 320 में।"))
        }
        var lines: [CardCommand.Line] = []
        for i in items.indices {
            let product: Product
            switch try await resolveProduct(&s, index: i, name: ParsedIntent.text(items[i]["product"]), say: say) {
            case .asked(let q): return .ask(q)
            case .ok(let p): product = p
            }
            guard let qty = ParsedIntent.number(items[i]["quantity"]), qty > 0 else {
                s.awaiting = "quantity:\(i)"
                s.asked = true
                return .ask(say("How many \(Self.unitLabel(product.unit)) of \(product.name)?", "\(product.name) kitne \(product.unit)?", "\(product.name) कितने \(product.unit)?"))
            }
            while s.priceConfirmed.count <= i { s.priceConfirmed.append(false) }
            var cost = ParsedIntent.paise(items[i]["unit_price"])
            if cost == nil {
                // Never assumed silently: the average cost is offered, otherwise asked for.
                if product.averageCost > 0 {
                    if !s.priceConfirmed[i] {
                        s.awaiting = "confirm_price:\(i)"
                        s.asked = true
                        return .ask(say("\(Money.format(product.averageCost)) per \(product.unit) before GST, your average cost? (yes, or tell me the cost)",
                                        "\(Money.format(product.averageCost)) prati \(product.unit) GST ke bina, aapki ausat laagat? (haan, ya rate bataiye)"))
                    }
                    cost = product.averageCost
                    items[i]["unit_price"] = .int(product.averageCost)
                } else {
                    s.awaiting = "unit_price:\(i)"
                    s.asked = true
                    return .ask(say("At what cost per \(product.unit), before GST?", "Kis rate par liya (prati \(product.unit), GST ke bina)?"))
                }
            }
            guard let quantity = Quantity(exactly: qty) else {
                throw APIError.amountTooLarge(["items[\(i)].quantity": "must be at most \(Bounds.maxQuantityUnits)"])
            }
            if cost! > Bounds.maxAmount { throw APIError.amountTooLarge(["items[\(i)].unit_cost"]) }
            lines.append(.init(productID: product.id!, name: product.name, quantity: quantity.thousandths, unitPrice: cost!))
        }
        s.intent.setItems(items)
        if let v = s.intent.paise("amount_paid"), v > Bounds.maxAmount { throw APIError.amountTooLarge(["amount_paid"]) }
        let command = CardCommand(lines: lines, amountPaid: s.intent.paise("amount_paid"), paymentMode: s.intent.string("payment_mode"),
                                  supplierID: supplier.0, supplierName: supplier.1, newSupplier: supplier.0 == nil ? true : nil)
        let preview = try await purchasePreview(command)
        if let paid = command.amountPaid, paid > preview.total {
            return .done(say("The bill comes to \(Money.format(preview.total)) but \(Money.format(paid)) was paid. Record the bill with what was paid for it, and the rest as a payment to \(supplier.1) (\"paid \(supplier.1) …\").",
                             "Bill \(Money.format(preview.total)) ka hai par \(Money.format(paid)) diye. Bill ke saath utna hi likhiye, baaki \(supplier.1) ko alag payment (\"paid \(supplier.1) …\")."), nil)
        }
        return .done(say("Here is the purchase bill. Confirm to save it and add the stock.", "Yeh raha kharid ka bill. Save karke stock jodne ke liye Confirm kijiye."),
                     CardDraft(kind: "purchase_preview", status: .pending, title: say("Purchase from \(supplier.1)", "\(supplier.1) se kharid"),
                               command: command, data: preview.data))
    }

    /// The bill as it will be recorded: lines with GST (CGST+SGST within the state, IGST across, as
    /// `BooksService.recordPurchase` computes it), the stock after, and the supplier's balance.
    func purchasePreview(_ c: CardCommand) async throws -> InvoiceTotals {
        let business = try await ledger.business()
        var state: String? = nil, before: Int64 = 0
        if let sid = c.supplierID {
            let sup = try await books.supplier(sid)
            state = sup.state
            before = sup.balance
        }
        let interState = state != nil && business.state != nil && state != business.state
        var rows: [JSONValue] = [], taxable: [Int64] = [], taxes: [Int64] = []
        for (i, line) in (c.lines ?? []).enumerated() {
            let p = try await ledger.product(line.productID)
            guard let t = Money.lineAmount(quantity: Quantity(thousandths: line.quantity), unitPrice: line.unitPrice), t <= Bounds.maxAmount else {
                throw APIError.amountTooLarge(["items[\(i)].unit_cost": "times the quantity is more than \(Bounds.maxAmountText)"])
            }
            let tax = p.gstRateBP.flatMap { BooksService.tax(on: t, basisPoints: $0, interState: interState) } ?? 0
            taxable.append(t)
            taxes.append(tax)
            rows.append(["product_id": .string(line.productID.uuidString), "product": .string(p.name), "quantity": .quantity(line.quantity),
                         "unit": .string(p.unit), "unit_cost": .int(line.unitPrice),
                         "gst_rate": p.gstRateBP.map { $0 % 100 == 0 ? .int($0 / 100) : .double(Double($0) / 100) } ?? .null,
                         "total": .int(try Money.add(t, tax, field: "total")), "stock_after": .quantity(p.stock + line.quantity)])
        }
        let subtotal = try Money.sum(taxable, field: "total"), taxTotal = try Money.sum(taxes, field: "total")
        let total = try Money.add(subtotal, taxTotal, field: "total")
        guard total <= Bounds.maxAmount else { throw APIError.amountTooLarge(["total": "of all lines is more than \(Bounds.maxAmountText)"]) }
        let paid = max(0, c.amountPaid ?? 0)
        let data: JSONValue = [
            "supplier": .ref(c.supplierID, c.supplierName), "new_supplier": .bool(c.newSupplier == true), "lines": .array(rows),
            "subtotal": .int(subtotal), "tax_total": .int(taxTotal), "inter_state": .bool(interState), "total": .int(total), "amount_paid": .int(paid),
            "payment_mode": paid > 0 ? .string(c.paymentMode ?? "cash") : .null, "balance_due": .int(total - min(paid, total)),
            "supplier_balance_before": .int(before), "supplier_balance_after": .int(try Money.subtract(try Money.add(before, total, field: "total"), paid, field: "amount_paid")),
            "purchase_id": .null,
        ]
        return InvoiceTotals(total: total, data: data)
    }

    /// "paid Ambuja Traders 20000 by NEFT": which account the money leaves and what is still owed.
    func advanceSupplierPayment(_ s: inout PendingState, say: Say) async throws -> Step {
        let supplier: (UUID?, String)
        switch try await resolveSupplier(&s, say: say, offerCreate: false) {
        case .asked(let q): return .ask(q)
        case .ok(let v): supplier = v
        }
        if let amount = s.intent.paise("amount"), amount > Bounds.maxAmount { throw APIError.amountTooLarge(["amount"]) }
        guard let amount = s.intent.paise("amount"), amount > 0 else {
            s.awaiting = "amount"
            s.asked = true
            return .ask(say("How much did you pay \(supplier.1)?", "\(supplier.1) ko kitne diye?", "\(supplier.1) को कितने दिए?"))
        }
        let command = CardCommand(paymentMode: s.intent.string("payment_mode") ?? "cash", amount: amount, supplierID: supplier.0, supplierName: supplier.1)
        return .done(say("Confirm to record this payment to \(supplier.1).", "\(supplier.1) ko payment save karne ke liye Confirm kijiye."),
                     CardDraft(kind: "supplier_payment_preview", status: .pending, title: say("Payment to \(supplier.1)", "\(supplier.1) ko payment"),
                               command: command, data: try await supplierPaymentPreview(command)))
    }

    func supplierPaymentPreview(_ c: CardCommand) async throws -> JSONValue {
        guard let sid = c.supplierID else { throw APIError.notFound("Supplier") }
        let sup = try await books.supplier(sid)
        let mode = PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash
        let account = try await books.defaultAccount(for: mode)
        let amount = c.amount ?? 0
        return ["supplier": .ref(sid, sup.name), "amount": .int(amount), "payment_mode": .string(mode.rawValue),
                "account": .ref(account.id, account.name), "account_balance_before": .int(account.balance),
                "account_balance_after": .int(try Money.subtract(account.balance, amount, field: "amount")),
                "balance_before": .int(sup.balance), "balance_after": .int(try Money.subtract(sup.balance, amount, field: "amount")),
                "supplier_payment_id": .null]
    }

    /// Cash in hand, profit, expenses or what is owed to suppliers, as an info card.
    func booksSummary(_ intent: ParsedIntent, say: Say) async throws -> Step {
        let topic = intent.string("topic") ?? "cash"
        let business = try await ledger.business()
        let periods = Periods(now: now, timezone: business.timezone)
        let period = intent.string("period") ?? "this_month"
        let (from, to) = periods.range(period)
        let periodWords = ["today": say("today", "aaj", "आज"), "this_week": say("this week", "is hafte", "इस हफ़्ते"), "this_month": say("this month", "is mahine", "इस महीने"),
                           "last_month": say("last month", "pichhle mahine", "पिछले महीने")][period] ?? period
        switch topic {
        case "profit", "expenses":
            let pl = try await books.profitAndLoss(from: from, to: to)
            let data: JSONValue = ["topic": .string(topic), "period": .string(period), "from": .string(from), "to": .string(to),
                                   "sales": .int(pl.sales), "cost_of_goods_sold": .int(pl.costOfGoodsSold), "gross_profit": .int(pl.grossProfit),
                                   "expenses": .int(pl.expenses), "net_profit": .int(pl.netProfit),
                                   "expenses_by_category": .array(pl.byCategory.map { ["category": .string($0.category), "amount": .int($0.amount)] }),
                                   "url": "#/books/profit-and-loss"]
            let text: String
            if topic == "profit" {
                text = pl.netProfit >= 0
                    ? say("Profit \(periodWords): \(Money.format(pl.netProfit)) (sales \(Money.format(pl.sales)), cost of goods \(Money.format(pl.costOfGoodsSold)), expenses \(Money.format(pl.expenses)); before GST).",
                          "\(periodWords.capitalized) ka munafa: \(Money.format(pl.netProfit)) (bikri \(Money.format(pl.sales)), maal ki laagat \(Money.format(pl.costOfGoodsSold)), kharcha \(Money.format(pl.expenses)); GST ke bina).")
                    : say("Loss \(periodWords): \(Money.format(-pl.netProfit)) (sales \(Money.format(pl.sales)), cost of goods \(Money.format(pl.costOfGoodsSold)), expenses \(Money.format(pl.expenses)); before GST).",
                          "\(periodWords.capitalized) ka nuksaan: \(Money.format(-pl.netProfit)) (bikri \(Money.format(pl.sales)), maal ki laagat \(Money.format(pl.costOfGoodsSold)), kharcha \(Money.format(pl.expenses)); GST ke bina).")
            } else {
                let top = pl.byCategory.prefix(3).map { "\($0.category) \(Money.format($0.amount))" }.joined(separator: ", ")
                text = say("Expenses \(periodWords): \(Money.format(pl.expenses))\(top.isEmpty ? "" : " — \(top)").",
                           "\(periodWords.capitalized) ka kharcha: \(Money.format(pl.expenses))\(top.isEmpty ? "" : " — \(top)").")
            }
            return .done(text, CardDraft(kind: "books_summary", status: .info, title: topic == "profit" ? say("Profit and loss", "Munafa-nuksaan", "मुनाफ़ा-नुकसान") : say("Expenses", "Kharcha", "ख़र्चा"),
                                         command: CardCommand(), data: data))
        case "payables":
            if let name = intent.string("supplier") {
                let matches = try await books.suppliers(matching: name)
                if matches.count == 1, let sup = matches.first {
                    let text = sup.balance > 0 ? say("You owe \(sup.name) \(Money.format(sup.balance)).", "\(sup.name) ko \(Money.format(sup.balance)) dene hain.")
                        : sup.balance < 0 ? say("You have paid \(sup.name) \(Money.format(-sup.balance)) in advance.", "\(sup.name) ko \(Money.format(-sup.balance)) advance diye hain.")
                        : say("Nothing is due to \(sup.name).", "\(sup.name) ka kuch baaki nahi.")
                    return .done(text, CardDraft(kind: "books_summary", status: .info, title: sup.name, command: CardCommand(),
                                                 data: ["topic": "payables", "supplier": .ref(sup.id, sup.name), "payables": .int(sup.balance),
                                                        "url": .string("#/books/suppliers/\(sup.id!.uuidString.lowercased())")]))
                }
            }
            let money = try await books.moneySummary()
            let text = money.payables > 0
                ? say("You owe \(Money.format(money.payables)) to \(money.suppliersOwed) supplier\(money.suppliersOwed == 1 ? "" : "s").",
                      "\(money.suppliersOwed) supplier ko kul \(Money.format(money.payables)) dene hain.")
                : say("You owe your suppliers nothing.", "Kisi supplier ka kuch baaki nahi.")
            return .done(text, CardDraft(kind: "books_summary", status: .info, title: say("Owed to suppliers", "Supplier ka baaki"), command: CardCommand(),
                                         data: ["topic": "payables", "payables": .int(money.payables), "suppliers_owed": .int(Int64(money.suppliersOwed)),
                                                "url": "#/books/suppliers"]))
        default:
            let money = try await books.moneySummary()
            let text = say("Cash in hand: \(Money.format(money.cash)). In bank and UPI: \(Money.format(money.bank)).",
                           "Galle mein nakad: \(Money.format(money.cash)). Bank aur UPI mein: \(Money.format(money.bank)).")
            return .done(text, CardDraft(kind: "books_summary", status: .info, title: say("Cash and bank", "Nakad aur bank"), command: CardCommand(),
                                         data: ["topic": "cash", "cash_in_hand": .int(money.cash), "bank_and_upi": .int(money.bank), "url": "#/books/accounts"]))
        }
    }

    func advancePaymentLink(_ s: inout PendingState, say: Say) async throws -> Step {
        let customer: (UUID?, String), amount: Int64
        switch try await resolveCustomerAndAmount(&s, say: say, question: { _ in say("For how much?", "Kitne ka link?") }) {
        case .asked(let q): return .ask(q)
        case .ok(let r): (customer, amount) = r
        }
        let message = say("Payment links need Razorpay: add your Razorpay key id and secret on the Integrations page.",
                          "Payment link ke liye Razorpay chahiye: Integrations page par Razorpay key id aur secret daaliye.")
        return .done(message, CardDraft(kind: "payment_link_preview", status: .pending, title: say("Payment link", "Payment link"),
                                        command: CardCommand(customerID: customer.0, customerName: customer.1, amount: amount),
                                        data: ["customer": .ref(customer.0, customer.1), "amount": .int(amount), "configured": false, "message": .string(message)]))
    }

    func salesSummary(period: String, say: Say) async throws -> Step {
        let business = try await ledger.business()
        let (from, to) = Periods(now: now, timezone: business.timezone).range(period)
        let invoices = try await ledger.reads.postedInvoices(from: from, to: to)
        let payments = try await ledger.reads.payments(from: from, to: to)
        let total = try Money.sum(invoices.map(\.total), field: "total")
        let collected = try Money.sum(payments.map(\.amount), field: "amount")
        let label = period.replacingOccurrences(of: "_", with: " ")
        return .done(say("Sales \(label): \(Money.format(total)) over \(invoices.count) invoices; \(Money.format(collected)) collected.",
                         "Bikri (\(label)): \(invoices.count) bill, \(Money.format(total)); \(Money.format(collected)) mile.", "बिक्री (\(label)): \(invoices.count) बिल, \(Money.format(total)); \(Money.format(collected)) मिले।"),
                     CardDraft(kind: "sales_summary", status: .info, title: say("Sales \(label)", "Bikri \(label)", "बिक्री \(label)"), command: CardCommand(),
                               data: ["period": .string(period), "from": .string(from), "to": .string(to), "invoices": .int(Int64(invoices.count)),
                                      "total": .int(total), "collected": .int(collected)]))
    }

    func advanceAddProduct(_ s: inout PendingState, say: Say) async throws -> Step {
        guard var name = s.intent.string("product") else {
            s.awaiting = "name"
            return .ask(say("What is the product called?", "Product ka naam kya hai?"))
        }
        if name == name.lowercased(), let first = name.first { name = first.uppercased() + name.dropFirst() }
        let unit = s.intent.string("unit") ?? "pcs"
        guard let price = s.intent.paise("unit_price") else {
            s.awaiting = "price"
            return .ask(say("At what price per \(unit)?", "Kis rate par (prati \(unit))?"))
        }
        var qty: Int64 = 0
        if let n = s.intent.number("quantity") {
            guard let q = Quantity(exactly: n) else { throw APIError.amountTooLarge(["quantity": "must be at most \(Bounds.maxQuantityUnits)"]) }
            qty = q.thousandths
        }
        if price > Bounds.maxAmount || price < 0 { throw APIError.amountTooLarge(["unit_price"]) }
        let command = CardCommand(quantity: qty, name: name, unit: unit, price: price)
        return .done(say("Confirm to add this product.", "Product jodne ke liye Confirm kijiye."),
                     CardDraft(kind: "product_preview", status: .pending, title: name, command: command, data: Self.productPreview(command)))
    }

    static func productPreview(_ c: CardCommand) -> JSONValue {
        ["name": .optional(c.name), "unit": .string(c.unit ?? "pcs"), "price": .int(c.price ?? 0), "quantity": .quantity(c.quantity ?? 0)]
    }

    func advanceAddCustomer(_ s: inout PendingState, say: Say) async throws -> Step {
        guard let name = s.intent.string("customer") else {
            s.awaiting = "name"
            return .ask(say("What is the customer's name?", "Customer ka naam kya hai?"))
        }
        let command = CardCommand(name: name, phone: s.intent.string("phone"))
        return .done(say("Confirm to add this customer.", "Customer jodne ke liye Confirm kijiye."),
                     CardDraft(kind: "customer_preview", status: .pending, title: name, command: command,
                               data: ["name": .string(name), "phone": .optional(command.phone)]))
    }

    func advanceSocialPost(_ s: inout PendingState, say: Say) -> Step {
        guard let content = s.intent.string("content") else {
            s.awaiting = "content"
            return .ask(say("What should the post say?", "Post mein kya likhna hai?"))
        }
        let platform = s.intent.string("platform") ?? "bluesky"
        let command = CardCommand(platform: platform, content: content, imageURL: s.intent.string("image_url"))
        return .done(say("Here is the draft. Publishing needs \(platform) to be connected.", "Draft taiyaar hai. Publish ke liye \(platform) connect karna hoga."),
                     CardDraft(kind: "social_post_preview", status: .pending, title: say("Post for \(platform)", "\(platform) post"), command: command,
                               data: ["platform": .string(platform), "content": .string(content), "image_url": .optional(command.imageURL)]))
    }
}
