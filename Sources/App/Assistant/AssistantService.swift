import AssistantNLU
import Fluent
import Foundation
import SQLKit
import Vapor

/// What the conversation is waiting for: the intent so far, with names already resolved.
struct PendingState: Codable, Sendable {
    struct Choice: Codable, Sendable {
        let id: UUID
        let name: String
    }
    var intent: ParsedIntent
    var awaiting: String?
    /// The language of the conversation so far (replies to "1" or "350" keep it).
    var language: ReplyLanguage?
    /// The party the intent is about: the customer, or for a purchase or supplier payment the supplier.
    var customerID: UUID?
    var customerName: String?
    var newCustomer = false
    var productIDs: [UUID?] = []
    var choices: [Choice] = []
    /// A question has been asked, so the catalog price is confirmed rather than assumed.
    var asked = false
    var priceConfirmed: [Bool] = []
    var priceCheckAnswered = false
}

/// The assistant (DESIGN §5): text → parse → conversation state → preview card → Confirm → ledger.
/// Writes happen only on Confirm, through `LedgerService`, in the same transaction as the card's
/// state change, so a double click makes one invoice.
struct AssistantService {
    let db: any Database
    let store: Store
    let businessID: UUID
    let userID: UUID
    let now: Date
    let logger: Logger
    let engine: ParseEngine
    /// Needed by cards that act outside the ledger (reminders over WhatsApp, social posts,
    /// payment links); those cards say so when it is absent.
    var app: Application? = nil

    static let pendingLifetime: TimeInterval = 30 * 60

    var ledger: LedgerService { LedgerService(db: db, store: store, businessID: businessID, userID: userID, now: now) }

    enum Step {
        case ask(String)
        case done(String, CardDraft?)
    }

    struct Reply: Content {
        let conversationId: UUID
        let reply: String
        @NullEncoded var card: CardDTO?
        @NullEncoded var pending: PendingDTO?
        let engine: String
        @NullEncoded var transcript: String?
    }

    struct PendingDTO: Content {
        let intent: String
        let missing: [String]
    }

    // MARK: catalog and language

    func catalog() async throws -> Catalog {
        let reads = LedgerReads(db: db, businessID: businessID)
        let products = try await reads.activeProducts(limit: 5000)
        let customers = try await reads.activeCustomers(limit: 5000)
        let suppliers = try await books.activeSuppliers(limit: 5000)
        return Catalog(products: products.map { CatalogEntry(id: $0.id!.uuidString, name: $0.name, unit: $0.unit, price: $0.price) },
                       customers: customers.map { CatalogEntry(id: $0.id!.uuidString, name: $0.name) },
                       suppliers: suppliers.map { CatalogEntry(id: $0.id!.uuidString, name: $0.name) })
    }

    /// Writes a reply in the conversation's language (issue 18 §2): English, Roman Hinglish, or
    /// Devanagari Hindi where a Devanagari text is given (else the Hinglish one, which a Hindi
    /// reader reads too).
    struct Say {
        let language: ReplyLanguage
        init(_ language: ReplyLanguage) { self.language = language }
        init(hinglish: Bool) { language = hinglish ? .hinglish : .english }
        var hinglish: Bool { language != .english }
        func callAsFunction(_ en: String, _ hi: String, _ devanagari: String? = nil) -> String {
            switch language {
            case .english: return en
            case .hinglish: return hi
            case .hindi: return devanagari ?? hi
            }
        }
    }

    // MARK: messages

    func handle(text raw: String, conversationID: UUID?, transcript: String? = nil) async throws -> Reply {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError.validation("text", "must not be empty") }
        guard text.count <= 2000 else { throw APIError.validation("text", "must be at most 2000 characters") }
        let business = try await ledger.business()
        let conversation = try await loadConversation(conversationID)

        var state: PendingState? = nil
        if let json = conversation.pending, now.timeIntervalSince(conversation.lastActivityAt) < Self.pendingLifetime {
            state = try? JSONDecoder().decode(PendingState.self, from: Data(json.utf8))
        }
        // The reply speaks the message's language; "1" or "350" keeps the conversation's.
        let language = ReplyLanguage.of(text) ?? state?.language ?? ReplyLanguage.fallback(preferred: business.preferredLanguage)
        let say = Say(language)
        var engineName = "offline"
        var note: String? = nil
        var step: Step

        // "cancel"/"rehne do" drops what is pending; so does a plain "no" to a question that is not
        // itself yes/no ("2" is a choice there, not WhatsApp's "2 to cancel").
        let yesNoQuestion = state?.awaiting.map { $0.hasPrefix("create_customer") || $0.hasPrefix("create_supplier") || $0.hasPrefix("confirm_price") } ?? false
        if state != nil, Replies.isCancel(text) || (!yesNoQuestion && Replies.number(text) == nil && Replies.isNo(text)) {
            step = .done(say("Okay, cancelled. Nothing was saved.", "Theek hai, cancel kar diya. Kuch save nahi hua.", "ठीक है, रद्द कर दिया। कुछ सेव नहीं हुआ।"), nil)
        } else if state == nil, Replies.isCancel(text) {
            step = .done(say("There is nothing pending to cancel. To cancel a card, use its Cancel button.",
                             "Cancel karne ke liye kuch pending nahi hai. Card ko cancel karne ke liye uska Cancel button dabaiye."), nil)
        } else if var pending = state, try await applyAnswer(text, to: &pending, say: say) {
            engineName = pending.intent.engine
            step = try await advance(&pending, say: say)
            state = pending
        } else {
            let outcome = await engine.parse(text, catalog: try await catalog(), logger: logger)
            engineName = outcome.intent.engine
            note = outcome.fallbackNote
            var fresh = PendingState(intent: outcome.intent)
            step = try await advance(&fresh, say: say)
            state = fresh
        }

        var replyText: String
        var draft: CardDraft? = nil
        var newPending: PendingState? = nil
        switch step {
        case .ask(let question):
            replyText = question
            newPending = state
            newPending?.language = language
        case .done(let message, var card):
            replyText = message
            // Confirm and Cancel answer in the language the card was asked for in.
            card?.command.language = language.rawValue
            draft = card
        }
        if let note { replyText += " " + note }

        let pendingJSON = newPending.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) }
        let conversationID = conversation.id!
        let businessID = businessID, now = now
        let finalReply = replyText, finalEngine = engineName, finalDraft = draft
        let saved: AssistantCard? = try await store.write(db) { tx in
            var seq = try await ConversationTurn.query(on: tx).filter(\.$conversationID == conversationID).count()
            func turn(_ role: TurnRole, _ text: String, card: UUID?, engine: String?) async throws {
                seq += 1
                let t = ConversationTurn()
                t.businessID = businessID
                t.conversationID = conversationID
                t.role = role
                t.text = text
                t.cardID = card
                t.engine = engine
                t.createdAt = now
                t.seq = Int64(seq)
                try await t.create(on: tx)
            }
            try await turn(.user, transcript.map { "🎤 \($0)" } ?? text, card: nil, engine: nil)
            var card: AssistantCard? = nil
            if let draft = finalDraft {
                card = try await AssistantCard.store(draft, businessID: businessID, conversationID: conversationID, now: now, on: tx)
            }
            try await turn(.assistant, finalReply, card: card?.id, engine: finalEngine)
            try await Conversation.query(on: tx).filter(\.$id == conversationID)
                .set(\.$pending, to: pendingJSON).set(\.$lastActivityAt, to: now).update()
            return card
        }
        return Reply(conversationId: conversationID, reply: replyText, card: saved.map(CardDTO.init),
                     pending: newPending.map { PendingDTO(intent: $0.intent.intent.rawValue, missing: $0.awaiting.map { [Self.fieldName($0)] } ?? $0.intent.missing) },
                     engine: engineName, transcript: transcript)
    }

    static func fieldName(_ awaiting: String) -> String {
        let base = awaiting.split(separator: ":").first.map(String.init) ?? awaiting
        switch base {
        case "choose_customer", "create_customer": return "customer"
        case "choose_supplier", "create_supplier": return "supplier"
        case "choose_product": return "product"
        case "confirm_price": return "unit_price"
        case "stock_quantity": return "quantity"
        default: return base
        }
    }

    func loadConversation(_ id: UUID?) async throws -> Conversation {
        if let id {
            guard let c = try await Conversation.query(on: db).filter(\.$id == id).filter(\.$businessID == businessID)
                .filter(\.$userID == userID).first() else { throw APIError.notFound("Conversation") }
            return c
        }
        if let latest = try await Conversation.query(on: db).filter(\.$businessID == businessID).filter(\.$userID == userID)
            .sort(\.$lastActivityAt, .descending).first() {
            return latest
        }
        let c = Conversation()
        c.businessID = businessID
        c.userID = userID
        c.lastActivityAt = now
        c.createdAt = now
        try await store.write(db) { tx in try await c.create(on: tx) }
        return c
    }

    // MARK: follow-up answers

    /// Fills what the last question asked for. False when the text is not an answer to it (then it
    /// is parsed as a new command and the pending one is dropped).
    func applyAnswer(_ text: String, to s: inout PendingState, say: Say) async throws -> Bool {
        guard let awaiting = s.awaiting else { return false }
        let parts = awaiting.split(separator: ":")
        let kind = String(parts[0])
        let index = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var items = s.intent.items
        switch kind {
        case "customer":
            guard text.count <= 120, OfflineParser().parse(text).intent == .unknown || text.split(separator: " ").count <= 4 else { return false }
            s.intent.entities["customer"] = .string(text)
            s.customerID = nil
            s.newCustomer = false
        case "choose_customer":
            guard let choice = pick(text, from: s.choices) else { return false }
            s.customerID = choice.id
            s.customerName = choice.name
        case "create_customer":
            if Replies.isYes(text) {
                s.newCustomer = true
                s.customerName = s.intent.string("customer")
            } else if Replies.isNo(text) {
                s.intent.entities["customer"] = .null
            } else {
                return false
            }
        case "supplier":
            guard text.count <= 120, OfflineParser().parse(text).intent == .unknown || text.split(separator: " ").count <= 4 else { return false }
            s.intent.entities["supplier"] = .string(text)
            s.customerID = nil
            s.newCustomer = false
        case "choose_supplier":
            guard let choice = pick(text, from: s.choices) else { return false }
            s.customerID = choice.id
            s.customerName = choice.name
        case "create_supplier":
            if Replies.isYes(text) {
                s.newCustomer = true
                s.customerName = s.intent.string("supplier")
            } else if Replies.isNo(text) {
                s.intent.entities["supplier"] = .null
            } else {
                return false
            }
        case "items":
            let parsed = OfflineParser(catalog: try await catalog()).parse("sold " + text)
            guard !parsed.items.isEmpty else { return false }
            s.intent.setItems(parsed.items)
            s.productIDs = []
        case "product":
            guard index < items.count || (index == 0 && items.isEmpty) else { return false }
            if s.intent.intent == .createInvoice || s.intent.intent == .recordPurchase {
                items[index]["product"] = .string(text)
                s.intent.setItems(items)
                if index < s.productIDs.count { s.productIDs[index] = nil }
            } else {
                s.intent.entities["product"] = .string(text)
                s.productIDs = []
            }
        case "choose_product":
            guard let choice = pick(text, from: s.choices) else { return false }
            while s.productIDs.count <= index { s.productIDs.append(nil) }
            s.productIDs[index] = choice.id
        case "quantity":
            guard let n = Replies.number(text), n > 0, index < items.count else { return false }
            items[index]["quantity"] = .double(n)
            s.intent.setItems(items)
        case "stock_quantity":
            guard let n = Replies.number(text), n > 0 else { return false }
            s.intent.entities["quantity"] = .double(n)
        case "confirm_price":
            guard index < items.count else { return false }
            while s.priceConfirmed.count <= index { s.priceConfirmed.append(false) }
            if Replies.isYes(text) {
                s.priceConfirmed[index] = true
            } else if let price = Replies.money(text), price > 0 {
                items[index]["unit_price"] = .int(price)
                s.intent.setItems(items)
                s.priceConfirmed[index] = true
            } else if Replies.isNo(text) {
                s.awaiting = "unit_price:\(index)"
                return true
            } else {
                return false
            }
        case "unit_price":
            guard let price = Replies.money(text), price >= 0, index < items.count else { return false }
            items[index]["unit_price"] = .int(price)
            s.intent.setItems(items)
            while s.priceConfirmed.count <= index { s.priceConfirmed.append(false) }
            s.priceConfirmed[index] = true
        case "price":
            guard let price = Replies.money(text), price >= 0 else { return false }
            s.intent.entities["unit_price"] = .int(price)
        case "amount":
            guard let amount = Replies.money(text), amount > 0 else { return false }
            s.intent.entities["amount"] = .int(amount)
        case "price_check":
            let t = text.lowercased()
            if ["discount", "chhoot", "chhut", "chut", "choot", "kam", "less", "off"].contains(where: { t.contains($0) }) {
                s.intent.entities["discount"] = .int(-1)  // computed from the totals in `advance`
            } else if ["due", "baaki", "baki", "udhaar", "udhar", "later", "baad", "credit", "pending"].contains(where: { t.contains($0) }) {
                s.intent.entities["due"] = .bool(true)
            } else {
                return false
            }
            s.priceCheckAnswered = true
        case "content":
            s.intent.entities["content"] = .string(text)
        case "name":
            s.intent.entities[s.intent.intent == .addCustomer ? "customer" : "product"] = .string(text)
        default:
            return false
        }
        s.awaiting = nil
        return true
    }

    func pick(_ text: String, from choices: [PendingState.Choice]) -> PendingState.Choice? {
        if let n = Replies.number(text), n >= 1, Int(n) <= choices.count, n == n.rounded() { return choices[Int(n) - 1] }
        let entries = choices.map { CatalogEntry(id: $0.id.uuidString, name: $0.name) }
        if case .match(let e) = NameMatcher.match(text, in: entries) { return choices.first { $0.id.uuidString == e.id } }
        return nil
    }

    /// "bag" → "bags" for counts other than one; measures (kg, g, ml, pcs, dozen) stay as they are.
    static func unitLabel(_ unit: String, _ thousandths: Int64 = 2000) -> String {
        let fixed: Set<String> = ["kg", "g", "gm", "ml", "l", "pcs", "dozen", "cft", "sqft", "m", "mm", "cm", "ft"]
        if thousandths == 1000 || fixed.contains(unit.lowercased()) || unit.hasSuffix("s") { return unit }
        if unit.hasSuffix("x") || unit.hasSuffix("ch") || unit.hasSuffix("sh") { return unit + "es" }
        return unit + "s"
    }

    /// A customer balance in words: owed, or held as an advance — never a bare minus sign.
    static func balanceText(_ balance: Int64, say: Say) -> String {
        if balance > 0 { return say("\(Money.format(balance)) due", "\(Money.format(balance)) baaki", "\(Money.format(balance)) बाकी") }
        if balance < 0 { return say("\(Money.format(-balance)) in advance", "\(Money.format(-balance)) advance jama", "\(Money.format(-balance)) एडवांस जमा") }
        return say("nothing due", "kuch baaki nahi", "कुछ बाकी नहीं")
    }

    static func numbered(_ choices: [PendingState.Choice]) -> String {
        choices.enumerated().map { "\($0.offset + 1). \($0.element.name)" }.joined(separator: "\n")
    }
}
