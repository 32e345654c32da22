import AssistantNLU
import Fluent
import Foundation
import SQLKit
import Vapor

extension AssistantService {
    struct ActionReply: Content {
        let card: CardDTO
        let reply: String
        @NullEncoded var followUp: CardDTO?
    }

    struct HistoryDTO: Content {
        @NullEncoded var conversationId: UUID?
        let turns: [TurnDTO]
    }

    struct TurnDTO: Content {
        let id: UUID
        let role: String
        let text: String
        @NullEncoded var card: CardDTO?
        @NullEncoded var engine: String?
        let createdAt: Date
    }

    func card(_ id: UUID, on db: (any Database)? = nil) async throws -> AssistantCard {
        guard let c = try await AssistantCard.query(on: db ?? self.db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Card")
        }
        return c
    }

    func history(conversationID: UUID?) async throws -> HistoryDTO {
        let conversation: Conversation?
        if let conversationID {
            conversation = try await loadConversation(conversationID)
        } else {
            conversation = try await Conversation.query(on: db).filter(\.$businessID == businessID).filter(\.$userID == userID)
                .sort(\.$lastActivityAt, .descending).first()
        }
        guard let conversation else { return HistoryDTO(conversationId: nil, turns: []) }
        let turns = try await ConversationTurn.query(on: db).filter(\.$conversationID == conversation.id!).sort(\.$seq).all()
        let cards = try await AssistantCard.query(on: db).filter(\.$conversationID == conversation.id!).all()
        let byID = Dictionary(uniqueKeysWithValues: cards.map { ($0.id!, $0) })
        return HistoryDTO(conversationId: conversation.id, turns: turns.map {
            TurnDTO(id: $0.id!, role: $0.role.rawValue, text: $0.text, card: $0.cardID.flatMap { byID[$0] }.map(CardDTO.init), engine: $0.engine, createdAt: $0.createdAt)
        })
    }

    /// Confirm: claims the card (pending → confirmed) and performs its action in ONE transaction.
    /// A repeat (double click, retry) finds it confirmed and returns the same result.
    func confirm(_ id: UUID) async throws -> ActionReply {
        let existing = try await card(id)
        switch existing.kind {
        case "reminder_preview", "social_post_preview", "payment_link_preview", "invoice_send_preview":
            return try await confirmOutbound(existing)
        default: break
        }
        switch existing.status {
        case .pending: break
        case .confirmed: return try await replay(existing)
        default: throw APIError.conflict("card_not_pending", "This card is \(existing.status.rawValue); it cannot be confirmed.")
        }
        let business = try await ledger.business()
        let command = try CardCommand.from(existing.command)
        let say = Say(command.language.flatMap(ReplyLanguage.init(rawValue:)) ?? .fallback(preferred: business.preferredLanguage))
        let businessID = businessID, now = now
        let ledger = self.ledger
        do {
            try await store.write(db) { tx in
                let claimed = try await tx.sql.update(AssistantCard.schema)
                    .set("status", to: CardStatus.confirmed.rawValue).set("updated_at", to: now)
                    .where("id", .equal, id).where("business_id", .equal, businessID)
                    .where("status", .equal, CardStatus.pending.rawValue)
                    .returning("id").all()
                guard !claimed.isEmpty else { throw AlreadyHandled() }
                let (reply, follow, result) = try await Self.perform(kind: existing.kind, command: command, ledger: ledger.within(tx),
                                                                     say: say, assistant: self)
                var stored: [String: JSONValue] = [:]
                if case .object(let o) = result { stored = o }
                stored["reply"] = .string(reply)
                var followID: UUID? = nil
                if let follow {
                    let c = try await AssistantCard.store(follow, businessID: businessID, conversationID: existing.conversationID, now: now, on: tx)
                    followID = c.id
                    stored["follow_up_card_id"] = .string(c.id!.uuidString)
                }
                try await AssistantCard.query(on: tx).filter(\.$id == id)
                    .set(\.$result, to: JSONValue.object(stored).jsonText).set(\.$error, to: nil).update()
                try await Self.addTurn(tx, businessID: businessID, conversationID: existing.conversationID, text: reply, cardID: followID, now: now)
            }
        } catch is AlreadyHandled {
            // Another confirm won the race: fall through to its result.
        }
        return try await replay(try await card(id))
    }

    struct AlreadyHandled: Error {}

    /// Cards whose action leaves the ledger: WhatsApp reminders, a social post, a payment link.
    /// Preconditions are checked first (the card stays pending with a clear 409); then the card
    /// is claimed, so a double click acts once, and the action's outcome is stored on it.
    func confirmOutbound(_ existing: AssistantCard) async throws -> ActionReply {
        switch existing.status {
        case .pending: break
        case .confirmed, .failed: return try await replay(existing)
        default: throw APIError.conflict("card_not_pending", "This card is \(existing.status.rawValue); it cannot be confirmed.")
        }
        guard let app else { throw APIError.conflict("unavailable", "This card can be confirmed from the app.") }
        let command = try CardCommand.from(existing.command)
        let preferred = try await ledger.business().preferredLanguage
        let say = Say(command.language.flatMap(ReplyLanguage.init(rawValue:)) ?? .fallback(preferred: preferred))
        let messaging = MessagingService(app: app, businessID: businessID)
        var socialChannel: Channel? = nil
        var razorpay: [String: String]? = nil
        switch existing.kind {
        case "social_post_preview":
            let platform = command.platform ?? "bluesky"
            let kind: ChannelKind = platform == "instagram" ? .instagram : (platform == "bluesky" ? .bluesky : .mastodon)
            socialChannel = try await MessagingService(app: app, businessID: businessID, db: db).enabledChannels(kind: kind).first
            guard socialChannel != nil else {
                throw APIError.conflict("channel_not_connected", "\(platform) is not connected. Connect it on the Integrations page to publish.")
            }
        case "invoice_send_preview":
            guard try await messaging.whatsappChannel() != nil else {
                throw APIError.conflict("no_channel", "No WhatsApp channel is connected. Connect one on the Integrations page, or use Share on the invoice.")
            }
        case "payment_link_preview":
            razorpay = try await Integrations.load(app, businessID: businessID, .razorpay)
            guard razorpay != nil else {
                throw APIError.conflict("razorpay_not_configured", "Razorpay is not configured: add your key id and secret on the Integrations page.")
            }
        default: break
        }
        let id = existing.id!, businessID = businessID, now = now
        let claimed = try await store.write(db) { tx in
            try await tx.sql.update(AssistantCard.schema).set("status", to: CardStatus.confirmed.rawValue).set("updated_at", to: now)
                .where("id", .equal, id).where("business_id", .equal, businessID).where("status", .equal, CardStatus.pending.rawValue)
                .returning("id").all()
        }
        guard !claimed.isEmpty else { return try await replay(try await card(id)) }
        var result: [String: JSONValue] = [:]
        var failure: String? = nil
        do {
            switch existing.kind {
            case "reminder_preview":
                let reminders = Reminders(messaging: messaging, userID: userID)
                var sent = 0, skipped: [String] = []
                for t in command.customers ?? [] {
                    do {
                        _ = try await reminders.send(customerID: t.id, channelID: nil)
                        sent += 1
                    } catch let e as APIError {
                        skipped.append("\(t.name): \(e.message)")
                    }
                }
                result["sent"] = .int(Int64(sent))
                let skippedText = skipped.joined(separator: "; ")
                result["reply"] = .string(sent == 0
                    ? say("No reminder could be sent. ", "Koi reminder nahi ja saka. ", "कोई रिमाइंडर नहीं जा सका। ") + skipped.joined(separator: " ")
                    : say("Sent \(sent) reminder\(sent == 1 ? "" : "s").", "\(sent) reminder bhej diye.", "\(sent) रिमाइंडर भेज दिए।")
                        + (skipped.isEmpty ? "" : say(" Skipped: ", " Chhoot gaye: ", " छूट गए: ") + skippedText))
                if sent == 0 { failure = skipped.joined(separator: " ") }
            case "social_post_preview":
                let ref = try await ChannelAdapters.publish(app, channel: socialChannel!, text: command.content ?? "", imageURL: command.imageURL,
                                                             idempotencyKey: "card-\(id.uuidString.lowercased())")
                result["post_id"] = .string(ref)
                result["reply"] = .string("Published on \(socialChannel!.name).")
            case "payment_link_preview":
                var customer: Customer? = nil
                if let cid = command.customerID { customer = try await ledger.customer(cid) }
                let businessName = try await ledger.business().name
                let link = try await PaymentLinks.client(app, razorpay!).createPaymentLink(
                    amount: command.amount ?? 0, referenceID: "card-\(id.uuidString.prefix(30))", description: "Payment to \(businessName)",
                    customer: customer.map { .init(name: $0.name, contact: $0.phone, email: $0.email) })
                result["short_url"] = link.short_url.map { .string($0) } ?? .null
                result["link_id"] = .string(link.id)
                result["reply"] = .string("Payment link created: \(link.short_url ?? link.id)")
            case "invoice_send_preview":
                guard let invoiceID = command.invoiceID else { throw APIError.validation("invoice_id", "is missing on this card") }
                let (_, message) = try await InvoiceSharing(messaging: messaging, userID: userID).send(invoiceID: invoiceID, channelID: nil)
                result["message_id"] = .string(message.id!.uuidString)
                let number = try await ledger.invoice(invoiceID).numberText ?? "The invoice"
                let name = command.customerName ?? say("the customer", "customer", "ग्राहक")
                result["reply"] = .string(say("\(number) is on its way to \(name) on WhatsApp.", "\(number) \(name) ko WhatsApp par bhej diya.",
                                              "\(number) \(name) को WhatsApp पर भेज दिया।"))
            default: break
            }
        } catch {
            failure = (error as? APIError)?.message ?? String(describing: error)
            result["reply"] = .string(say("It did not go through: ", "Nahi ho paya: ", "नहीं हो पाया: ") + failure!)
        }
        let stored = JSONValue.object(result).jsonText, failed = failure, finalResult = result
        try await store.write(db) { tx in
            try await AssistantCard.query(on: tx).filter(\.$id == id)
                .set(\.$status, to: failed == nil ? .confirmed : .failed)
                .set(\.$result, to: stored).set(\.$error, to: failed).update()
            if case .string(let text)? = finalResult["reply"] {
                try await Self.addTurn(tx, businessID: businessID, conversationID: existing.conversationID, text: text, cardID: nil, now: now)
            }
        }
        return try await replay(try await card(id))
    }

    /// The reply for a card that has been handled: the follow-up card and text, if any.
    func replay(_ c: AssistantCard) async throws -> ActionReply {
        var followUp: AssistantCard? = nil
        var reply = c.status == .cancelled ? "Cancelled." : "Done."
        if let r = c.result, let result = try? JSONDecoder().decode(JSONValue.self, from: Data(r.utf8)),
           case .string(let followID)? = result["follow_up_card_id"], let fid = UUID(uuidString: followID) {
            followUp = try await AssistantCard.find(fid, on: db)
        }
        if case .string(let text)? = c.result.flatMap({ try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) })?["reply"] {
            reply = text
        }
        return ActionReply(card: CardDTO(c), reply: reply, followUp: followUp.map(CardDTO.init))
    }

    static func addTurn(_ tx: any Database, businessID: UUID, conversationID: UUID, text: String, cardID: UUID?, now: Date) async throws {
        let seq = try await ConversationTurn.query(on: tx).filter(\.$conversationID == conversationID).count() + 1
        let t = ConversationTurn()
        t.businessID = businessID
        t.conversationID = conversationID
        t.role = .assistant
        t.text = text
        t.cardID = cardID
        t.engine = nil
        t.createdAt = now
        t.seq = Int64(seq)
        try await t.create(on: tx)
        try await Conversation.query(on: tx).filter(\.$id == conversationID).set(\.$lastActivityAt, to: now).update()
    }

    /// Performs a confirmed card through the ledger (inside the caller's transaction).
    /// Returns the reply, an optional follow-up card and the result stored on the card.
    static func perform(kind: String, command c: CardCommand, ledger l: LedgerService, say: Say,
                        assistant: AssistantService) async throws -> (String, CardDraft?, JSONValue) {
        switch kind {
        case "invoice_preview":
            var customerID = c.customerID
            if customerID == nil, c.newCustomer == true, let name = c.customerName {
                customerID = try await l.createCustomer(CustomerInput(name: name)).id
            }
            guard let customerID else { throw APIError.notFound("Customer") }
            let paid = max(0, c.amountPaid ?? 0)
            let mode = PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash
            let inv = try await l.createInvoice(InvoiceInput(customerId: customerID, items: assistant.lineInputs(c), issue: true,
                                                             payment: paid > 0 ? UpfrontPayment(amount: paid, mode: mode) : nil))
            let customer = try await l.customer(customerID)
            let number = inv.numberText ?? ""
            let data: JSONValue = ["invoice_id": .string(inv.id!.uuidString), "number": .string(number), "customer": .ref(customerID, customer.name),
                                   "total": .int(inv.total), "amount_paid": .int(inv.amountPaid), "balance_due": .int(inv.total - inv.amountPaid),
                                   "customer_balance": .int(customer.balance), "pdf_url": .string(Endpoint.invoicePDF.path(inv.id!.uuidString))]
            let follow = CardDraft(kind: "invoice_issued", status: .info, title: number, command: CardCommand(), data: data)
            let reply = say("Invoice \(number) issued to \(customer.name). Their balance: \(Self.balanceText(customer.balance, say: say)).",
                            "Bill \(number) \(customer.name) ke naam ban gaya. Hisaab: \(Self.balanceText(customer.balance, say: say)).", "बिल \(number) \(customer.name) के नाम बन गया। हिसाब: \(Self.balanceText(customer.balance, say: say))।")
            return (reply, follow, ["invoice_id": .string(inv.id!.uuidString), "number": .string(number)])
        case "payment_preview":
            guard let cid = c.customerID, let amount = c.amount else { throw APIError.notFound("Customer") }
            let payment = try await l.recordPayment(PaymentInput(customerId: cid, amount: amount, mode: PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash))
            let dto = try await LedgerViews.payments([payment], on: l.db)[0]
            let customer = try await l.customer(cid)
            let data: JSONValue = ["customer": .ref(cid, customer.name), "amount": .int(amount), "payment_mode": .string(payment.mode.rawValue),
                                   "settles": .array(dto.allocations.map { ["invoice_id": .string($0.invoiceId.uuidString), "number": .optional($0.invoiceNumber), "amount": .int($0.amount)] }),
                                   "credit": .int(payment.unallocated), "balance_before": .int(customer.balance + amount),
                                   "balance_after": .int(customer.balance), "payment_id": .string(payment.id!.uuidString)]
            let follow = CardDraft(kind: "payment_recorded", status: .info, title: customer.name, command: CardCommand(), data: data)
            return (say("Recorded \(Money.format(amount)) from \(customer.name). Their balance: \(Self.balanceText(customer.balance, say: say)).",
                        "\(customer.name) se \(Money.format(amount)) mil gaye. Hisaab: \(Self.balanceText(customer.balance, say: say)).", "\(customer.name) से \(Money.format(amount)) मिल गए। हिसाब: \(Self.balanceText(customer.balance, say: say))।"),
                    follow, ["payment_id": .string(payment.id!.uuidString)])
        case "stock_update_preview":
            guard let pid = c.productID, let q = c.quantity, q > 0 || c.mode == "set" else { throw APIError.notFound("Product") }
            let product: Product
            switch c.mode ?? "add" {
            case "add":
                product = try await l.restock(pid, quantity: Quantity(thousandths: q), reason: "Assistant")
            case "remove":
                let current = try await l.product(pid)
                guard current.stock >= q else {
                    throw APIError.conflict("insufficient_stock", "Only \(Quantity(thousandths: current.stock)) \(current.unit) of \(current.name) in stock.")
                }
                var patch = ProductPatch()
                patch.stock = .value(Quantity(thousandths: current.stock - q))
                patch.stockReason = .value("Removed via assistant")
                product = try await l.updateProduct(pid, patch)
            default:
                var patch = ProductPatch()
                patch.stock = .value(Quantity(thousandths: q))
                patch.stockReason = .value("Set via assistant")
                product = try await l.updateProduct(pid, patch)
            }
            let dto = ProductDTO(product)
            let follow = Self.stockCard(product)
            return (say("\(product.name) stock is now \(dto.stock) \(Self.unitLabel(product.unit, product.stock)).", "\(product.name) ka stock ab \(dto.stock) \(product.unit) hai."),
                    follow, ["product_id": .string(pid.uuidString)])
        case "expense_preview":
            guard let amount = c.amount, amount > 0 else { throw APIError.validation("amount", "must be greater than zero") }
            let books = BooksService(db: l.db, store: l.store, businessID: l.businessID, userID: l.userID, now: l.now, inTransaction: true)
            let mode = PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash
            let e = try await books.recordExpense(ExpenseInput(amount: amount, category: c.name ?? "Other", mode: mode, note: c.text))
            let account = try await books.account(e.accountID)
            return (say("Recorded \(Money.format(amount)) for \(e.category.lowercased()) from \(account.name). \(account.name) now: \(Money.format(account.balance)).",
                        "\(e.category) ka \(Money.format(amount)) kharcha \(account.name) se likh diya. \(account.name) mein ab: \(Money.format(account.balance))."),
                    nil, ["expense_id": .string(e.id!.uuidString)])
        case "purchase_preview":
            let books = BooksService(db: l.db, store: l.store, businessID: l.businessID, userID: l.userID, now: l.now, inTransaction: true)
            var supplierID = c.supplierID
            if supplierID == nil, c.newSupplier == true, let name = c.supplierName {
                // Made since the card was drafted (another card, the web page): use it, not a duplicate.
                let key = Product.key(for: name)
                supplierID = try await books.suppliers(matching: name).first { $0.nameKey == key }?.id
                if supplierID == nil { supplierID = try await books.createSupplier(SupplierInput(name: name)).id }
            }
            guard let supplierID, let lines = c.lines, !lines.isEmpty else { throw APIError.notFound("Supplier") }
            let paid = max(0, c.amountPaid ?? 0)
            let bill = try await books.recordPurchase(PurchaseInput(
                supplierId: supplierID,
                items: lines.map { PurchaseLineInput(productId: $0.productID, quantity: Quantity(thousandths: $0.quantity), unitCost: $0.unitPrice) },
                amountPaid: paid > 0 ? paid : nil, mode: PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash))
            let supplier = try await books.supplier(supplierID)
            var stock: [String] = []
            for line in lines {
                let p = try await l.product(line.productID)
                stock.append("\(p.name) \(ProductDTO(p).stock) \(Self.unitLabel(p.unit, p.stock))")
            }
            let owed = supplier.balance > 0 ? say("You owe \(supplier.name) \(Money.format(supplier.balance)).", "\(supplier.name) ko \(Money.format(supplier.balance)) dene hain.")
                : say("Nothing is due to \(supplier.name).", "\(supplier.name) ka kuch baaki nahi.")
            return (say("Recorded the purchase from \(supplier.name): \(Money.format(bill.total)). Stock now: \(stock.joined(separator: ", ")). \(owed)",
                        "\(supplier.name) se kharid likh di: \(Money.format(bill.total)). Ab stock: \(stock.joined(separator: ", ")). \(owed)"),
                    nil, ["purchase_id": .string(bill.id!.uuidString), "supplier_id": .string(supplierID.uuidString), "total": .int(bill.total)])
        case "supplier_payment_preview":
            guard let sid = c.supplierID, let amount = c.amount, amount > 0 else { throw APIError.notFound("Supplier") }
            let books = BooksService(db: l.db, store: l.store, businessID: l.businessID, userID: l.userID, now: l.now, inTransaction: true)
            let payment = try await books.recordSupplierPayment(SupplierPaymentInput(supplierId: sid, amount: amount,
                                                                                     mode: PaymentMode(rawValue: c.paymentMode ?? "cash") ?? .cash))
            let supplier = try await books.supplier(sid)
            let account = try await books.account(payment.accountID)
            let owed = supplier.balance > 0 ? say("You still owe \(supplier.name) \(Money.format(supplier.balance)).", "\(supplier.name) ko ab \(Money.format(supplier.balance)) aur dene hain.")
                : supplier.balance < 0 ? say("\(supplier.name) now holds \(Money.format(-supplier.balance)) of yours in advance.", "\(supplier.name) ke paas \(Money.format(-supplier.balance)) advance hai.")
                : say("Nothing more is due to \(supplier.name).", "\(supplier.name) ka hisaab saaf.")
            return (say("Paid \(supplier.name) \(Money.format(amount)) from \(account.name). \(owed)",
                        "\(supplier.name) ko \(Money.format(amount)) \(account.name) se diye. \(owed)"),
                    nil, ["supplier_payment_id": .string(payment.id!.uuidString), "supplier_id": .string(sid.uuidString)])
        case "product_preview":
            let p = try await l.createProduct(ProductInput(name: c.name ?? "", unit: c.unit, price: c.price ?? 0,
                                                            stock: Quantity(thousandths: c.quantity ?? 0)))
            let follow = Self.stockCard(p)
            return (say("Added \(p.name) at \(Money.format(p.price)) per \(p.unit).", "\(p.name) jod diya, \(Money.format(p.price)) prati \(p.unit).", "\(p.name) जोड़ दिया, \(Money.format(p.price)) प्रति \(p.unit)।"),
                    follow, ["product_id": .string(p.id!.uuidString)])
        case "customer_preview":
            let customer = try await l.createCustomer(CustomerInput(name: c.name ?? "", phone: c.phone))
            let follow = CardDraft(kind: "balance", status: .info, title: customer.name, command: CardCommand(),
                                   data: ["customer": .ref(customer.id, customer.name), "billed": 0, "paid": 0, "due": 0, "last_payment": .null])
            return (say("Added customer \(customer.name).", "Customer \(customer.name) jod diya.", "ग्राहक \(customer.name) जोड़ दिया।"),
                    follow, ["customer_id": .string(customer.id!.uuidString)])
        default:
            throw APIError.conflict("invalid_state", "This card has no action to confirm.")
        }
    }

    func cancel(_ id: UUID) async throws -> ActionReply {
        let c = try await card(id)
        guard c.status == .pending || c.status == .cancelled else {
            throw APIError.conflict("card_not_pending", "This card is already \(c.status.rawValue).")
        }
        let businessID = businessID, now = now
        if c.status == .pending {
            let business = try await ledger.business()
            let asked = (try? CardCommand.from(c.command))?.language.flatMap(ReplyLanguage.init(rawValue:))
            let say = Say(asked ?? .fallback(preferred: business.preferredLanguage))
            let text = c.kind == "social_post_preview" ? say("Rejected the post.", "Post reject kar diya.") : say("Cancelled. Nothing was saved.", "Cancel kar diya. Kuch save nahi hua.", "रद्द कर दिया। कुछ सेव नहीं हुआ।")
            try await store.write(db) { tx in
                let rows = try await tx.sql.update(AssistantCard.schema)
                    .set("status", to: CardStatus.cancelled.rawValue).set("updated_at", to: now)
                    .set("result", to: JSONValue.object(["reply": .string(text)]).jsonText)
                    .where("id", .equal, id).where("business_id", .equal, businessID).where("status", .equal, CardStatus.pending.rawValue)
                    .returning("id").all()
                if !rows.isEmpty {
                    try await Self.addTurn(tx, businessID: businessID, conversationID: c.conversationID, text: text, cardID: nil, now: now)
                }
            }
        }
        return try await replay(try await card(id))
    }

    /// Edits a pending card's fields and rebuilds its preview.
    func edit(_ id: UUID, fields: JSONValue) async throws -> CardDTO {
        let c = try await card(id)
        guard c.status == .pending else { throw APIError.conflict("card_not_pending", "Only pending cards can be edited; this one is \(c.status.rawValue).") }
        guard CardDTO.editable.contains(c.kind), case .object(let f) = fields else {
            throw APIError.validation("body", "this card has no editable fields")
        }
        var cmd = try CardCommand.from(c.command)
        var errors = FieldErrors()
        func money(_ key: String) -> Int64? {
            guard let v = f[key] else { return nil }
            if case .int(let i) = v, i >= 0 {
                if i > Bounds.maxAmount { errors.tooLarge(key); return nil }
                return i
            }
            errors.add(key, "must be a non-negative integer (paise)")
            return nil
        }
        func thousandths(_ v: JSONValue?, _ key: String) -> Int64? {
            switch v {
            case .int(let i)?:
                if i > 0 {
                    guard let q = Quantity(units: i), q.isWithinBounds else { errors.tooLarge(key, "must be at most \(Bounds.maxQuantityUnits)"); return nil }
                    return q.thousandths
                }
            case .double(let d)?:
                if d > 0, d.isFinite, (d * 1000).rounded() == d * 1000 {
                    guard let q = Quantity(exactly: d) else { errors.tooLarge(key, "must be at most \(Bounds.maxQuantityUnits)"); return nil }
                    return q.thousandths
                }
            case nil: return nil
            default: break
            }
            errors.add(key, "must be a positive number with at most 3 decimals")
            return nil
        }
        func text(_ key: String, max: Int) -> String? {
            guard let v = f[key] else { return nil }
            if case .string(let s) = v, !s.trimmingCharacters(in: .whitespaces).isEmpty, s.count <= max { return s.trimmingCharacters(in: .whitespaces) }
            errors.add(key, "must be a non-empty text of at most \(max) characters")
            return nil
        }
        let data: JSONValue
        switch c.kind {
        case "invoice_preview":
            if let p = money("amount_paid") { cmd.amountPaid = p }
            if let d = money("discount") { cmd.discount = d }
            if let m = text("payment_mode", max: 10) {
                if PaymentMode(rawValue: m) == nil { errors.add("payment_mode", "must be cash, upi, card, bank, cheque or other") } else { cmd.paymentMode = m }
            }
            if case .array(let items)? = f["items"] {
                var lines: [CardCommand.Line] = []
                for (i, item) in items.enumerated() {
                    guard case .string(let pidText)? = item["product_id"], let pid = UUID(uuidString: pidText) else {
                        errors.add("items[\(i)].product_id", "must be a product id"); continue
                    }
                    let product = try await ledger.product(pid)
                    guard let q = thousandths(item["quantity"], "items[\(i)].quantity") else { continue }
                    var price = product.price
                    if case .int(let p)? = item["unit_price"], p >= 0 { price = p }
                    lines.append(.init(productID: pid, name: product.name, quantity: q, unitPrice: price))
                }
                if lines.isEmpty && errors.fields.isEmpty { errors.add("items", "needs at least one line") }
                cmd.lines = lines
            }
            try errors.throwIfAny()
            data = try await invoicePreview(cmd).data
        case "payment_preview":
            if let a = money("amount") { if a > 0 { cmd.amount = a } else { errors.add("amount", "must be greater than zero") } }
            if let m = text("payment_mode", max: 10) {
                if PaymentMode(rawValue: m) == nil { errors.add("payment_mode", "must be cash, upi, card, bank, cheque or other") } else { cmd.paymentMode = m }
            }
            try errors.throwIfAny()
            data = try await paymentPreview(cmd)
        case "stock_update_preview":
            if let q = thousandths(f["quantity"], "quantity") { cmd.quantity = q }
            if let m = text("mode", max: 10) {
                if ["add", "remove", "set"].contains(m) { cmd.mode = m } else { errors.add("mode", "must be add, remove or set") }
            }
            try errors.throwIfAny()
            data = try await stockPreview(cmd)
        case "product_preview":
            if let n = text("name", max: 120) { cmd.name = n }
            if let u = text("unit", max: 20) { cmd.unit = u }
            if let p = money("price") { cmd.price = p }
            if f["quantity"] != nil, let q = thousandths(f["quantity"], "quantity") { cmd.quantity = q }
            try errors.throwIfAny()
            data = Self.productPreview(cmd)
        case "customer_preview":
            if let n = text("name", max: 120) { cmd.name = n }
            if let p = text("phone", max: 20) {
                if case .failure(let problem) = Validate.phone(p) { errors.add("phone", problem.text) } else { cmd.phone = p }
            }
            try errors.throwIfAny()
            data = ["name": .optional(cmd.name), "phone": .optional(cmd.phone)]
        default:
            if let content = text("content", max: 3000) { cmd.content = content }
            if let url = f["image_url"] {
                if case .string(let s) = url, let u = URL(string: s), u.scheme?.hasPrefix("http") == true { cmd.imageURL = s }
                else if url == .null { cmd.imageURL = nil } else { errors.add("image_url", "must be an http(s) URL or null") }
            }
            try errors.throwIfAny()
            data = ["platform": .string(cmd.platform ?? "bluesky"), "content": .optional(cmd.content), "image_url": .optional(cmd.imageURL)]
        }
        let commandJSON = cmd.json, dataJSON = data.jsonText, businessID = businessID, now = now
        try await store.write(db) { tx in
            try await AssistantCard.query(on: tx).filter(\.$id == id).filter(\.$businessID == businessID).filter(\.$status == .pending)
                .set(\.$command, to: commandJSON).set(\.$data, to: dataJSON).set(\.$updatedAt, to: now).update()
        }
        return CardDTO(try await card(id))
    }
}
