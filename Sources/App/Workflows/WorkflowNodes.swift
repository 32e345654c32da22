import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import Vapor
import WorkflowCore

/// What a node may do besides computing its output, declared beside its executor.
struct NodeCapabilities: OptionSet, Sendable {
    let rawValue: Int
    /// Its output is the answer to the webhook call that started the run (`respond`).
    static let responds = NodeCapabilities(rawValue: 1 << 0)
    /// Its step may wait for a person's decision (approve or reject) before the run goes on.
    static let awaitsDecision = NodeCapabilities(rawValue: 1 << 1)
}

/// What running a node twice would do to the world outside the run.
enum NodeEffect: Sendable, Equatable {
    /// Computes or reads only: running it again changes nothing.
    case none
    /// Writes this database inside the transaction that commits its step: applied exactly once.
    case committedWithStep
    /// Calls a provider with the step's idempotency key (run id + node id), which the provider
    /// uses to drop a repeat.
    case keyedByStep
    /// Calls a provider that takes no idempotency key: a retry after a lost reply may repeat it.
    case mayRepeatOnRetry
}

/// One catalog node's code and capabilities: `WorkflowNodes.table` has one per `NodeCatalog` spec.
struct NodeBinding: Sendable {
    let executor: NodeExecutor
    var capabilities: NodeCapabilities = []
    let effect: NodeEffect

    /// Where the node may run without a job of its own (`LocalSteps`): nil when it needs one.
    var reach: LocalSteps.Reach? {
        switch executor {
        case .pure: return .pure
        case .read: return .reads
        case .runtime(let r): return r == .route ? .pure : nil
        case .external, .transactional: return nil
        }
    }
}

/// The code behind each catalog node (DESIGN §7), in one table with its capabilities. Nodes that
/// only touch this database run inside the step's commit transaction; the rest call providers with
/// the step's idempotency key. `WorkflowNodeTableTests` fails when a catalog node has no entry or
/// an entry names no catalog node.
enum WorkflowNodes {
    static let table: [String: NodeBinding] = [
        "manual/start": NodeBinding(executor: .runtime(.trigger), effect: .none),
        "webhook/receive": NodeBinding(executor: .runtime(.trigger), effect: .none),
        "schedule/cron": NodeBinding(executor: .runtime(.trigger), effect: .none),
        "message/received": NodeBinding(executor: .runtime(.trigger), effect: .none),
        "ledger/event": NodeBinding(executor: .runtime(.trigger), effect: .none),
        "router/route": NodeBinding(executor: .runtime(.route), effect: .none),
        "delay/wait": NodeBinding(executor: .runtime(.wait), effect: .none),
        "approval/request": NodeBinding(executor: .runtime(.decision), capabilities: .awaitsDecision, effect: .none),
        "data/set": NodeBinding(executor: .pure { ctx in NodeResult(output: ctx.params["values"] ?? [:]) }, effect: .none),
        "respond/respond": NodeBinding(executor: .pure(respond), capabilities: .responds, effect: .none),
        "whatsapp/send_message": NodeBinding(executor: .transactional(whatsapp), effect: .committedWithStep),
        "whatsapp/send_media": NodeBinding(executor: .transactional(whatsapp), effect: .committedWithStep),
        "ledger/create_invoice": NodeBinding(executor: .transactional(LedgerNodes.createInvoice), effect: .committedWithStep),
        "ledger/record_payment": NodeBinding(executor: .transactional(LedgerNodes.recordPayment), effect: .committedWithStep),
        "ledger/record_expense": NodeBinding(executor: .transactional(LedgerNodes.recordExpense), effect: .committedWithStep),
        "ledger/record_purchase": NodeBinding(executor: .transactional(LedgerNodes.recordPurchase), effect: .committedWithStep),
        "ledger/adjust_stock": NodeBinding(executor: .transactional(LedgerNodes.adjustStock), effect: .committedWithStep),
        "ledger/get_customer_balance": NodeBinding(executor: .read(LedgerNodes.customerBalance), effect: .none),
        "ledger/list_debtors": NodeBinding(executor: .read(LedgerNodes.listDebtors), effect: .none),
        "ledger/find_product": NodeBinding(executor: .read(LedgerNodes.findProduct), effect: .none),
        "ledger/sales_summary": NodeBinding(executor: .read(LedgerNodes.salesSummary), effect: .none),
        "razorpay/create_payment_link": NodeBinding(executor: .external(ProviderNodes.createPaymentLink), effect: .keyedByStep),
        "razorpay/get_payment_link": NodeBinding(executor: .external(ProviderNodes.getPaymentLink), effect: .none),
        "google_sheets/append_row": NodeBinding(executor: .external(ProviderNodes.sheetsAppend), effect: .mayRepeatOnRetry),
        "google_sheets/read_range": NodeBinding(executor: .external(ProviderNodes.sheetsRead), effect: .none),
        "shiprocket/create_order": NodeBinding(executor: .external(ProviderNodes.shiprocketCreate), effect: .mayRepeatOnRetry),
        "shiprocket/track_awb": NodeBinding(executor: .external(ProviderNodes.shiprocketTrack), effect: .none),
        "gpt/process_text": NodeBinding(executor: .external(ProviderNodes.gpt), effect: .none),
        // Held for the owner when its `require_approval` param is on (the default).
        "social/draft_reply": NodeBinding(executor: .external(ProviderNodes.draftReply), capabilities: .awaitsDecision, effect: .none),
        "http/request": NodeBinding(executor: .external(HTTPNode.run), effect: .keyedByStep),
        "bluesky/post": NodeBinding(executor: .external(SocialNodes.run), effect: .mayRepeatOnRetry),
        "bluesky/reply": NodeBinding(executor: .external(SocialNodes.run), effect: .mayRepeatOnRetry),
        "bluesky/send_dm": NodeBinding(executor: .external(SocialNodes.run), effect: .mayRepeatOnRetry),
        "pixelfed/post": NodeBinding(executor: .external(SocialNodes.run), effect: .keyedByStep),
        "pixelfed/reply": NodeBinding(executor: .external(SocialNodes.run), effect: .keyedByStep),
        "instagram/publish": NodeBinding(executor: .external(SocialNodes.run), effect: .mayRepeatOnRetry),
        "instagram/send_dm": NodeBinding(executor: .external(SocialNodes.run), effect: .mayRepeatOnRetry),
    ]

    static func binding(_ node: Node) -> NodeBinding? { table["\(node.service)/\(node.task)"] }

    static func capabilities(_ node: Node?) -> NodeCapabilities { node.flatMap(binding)?.capabilities ?? [] }

    static func respond(_ ctx: StepContext) async throws -> NodeResult {
        let status = try ctx.int("status") ?? 200
        guard (100...599).contains(status) else { throw NodeFailure.permanent("status must be an HTTP status from 100 to 599") }
        var headers: [String: JSONValue] = [:]
        for (k, v) in ctx.params["headers"]?.objectValue ?? [:] { headers[k] = .string(v.text) }
        return NodeResult(output: ["status": .int(status), "body": ctx.params["body"] ?? .null, "headers": .object(headers)])
    }

    /// The channel a messaging node sends on: the one named, else the business's first enabled
    /// channel of the given kinds (in that order of preference).
    static func channel(_ app: Application, businessID: UUID, id: String?, kinds: [ChannelKind], on db: (any Database)? = nil) async throws -> Channel {
        let messaging = MessagingService(app: app, businessID: businessID, db: db)
        if let id, !id.isEmpty {
            guard let uuid = UUID(uuidString: id), let c = try? await messaging.channel(uuid) else {
                throw NodeFailure.permanent("channel \(id) does not exist (was it deleted?)")
            }
            guard kinds.contains(c.kind) else { throw NodeFailure.permanent("channel \(c.name) is a \(c.kind.platform) channel") }
            guard c.enabled else { throw NodeFailure.permanent("channel \(c.name) is disabled") }
            return c
        }
        let all = try await messaging.enabledChannels()
        for k in kinds { if let c = all.first(where: { $0.kind == k }) { return c } }
        if kinds.contains(.simulator) {
            return try await messaging.simulatorChannel()
        }
        throw NodeFailure.permanent("no \(kinds.map(\.platform).joined(separator: " or ")) channel is connected; connect one on Integrations")
    }

    /// WhatsApp text or media: the message, its outbox row and send job commit with the step, so a
    /// retried step can never send twice.
    static func whatsapp(_ ctx: StepContext, _ tx: any Database) async throws -> NodeResult {
        let to = try ctx.requireString("to")
        let isMedia = ctx.node.task == "send_media"
        let text = isMedia ? (ctx.string("caption") ?? "") : try ctx.requireString("text")
        let media = isMedia ? try ctx.requireString("media_url") : nil
        if let media, URL(string: media)?.scheme?.hasPrefix("http") != true { throw NodeFailure.permanent("media_url must be an http(s) URL") }
        let channel = try await channel(ctx.app, businessID: ctx.businessID, id: ctx.string("channel_id"),
                                        kinds: [.twilioWhatsapp, .simulator], on: tx)
        let handle = MessagingService.normalizeHandle(channel.kind, to)
        if channel.kind == .twilioWhatsapp, MessagingService.phoneKey(handle) == nil {
            throw NodeFailure.permanent("\(to) is not a phone number")
        }
        let messaging = MessagingService(app: ctx.app, businessID: ctx.businessID, db: tx)
        let owners = try await messaging.ownerNumbers()
        let isOwner = MessagingService.phoneKey(handle).map { owners[$0] != nil } ?? false
        let (session, _) = try await MessagingService.findOrCreateSession(channelID: channel.id!, businessID: ctx.businessID, handle: handle,
                                                                          name: nil, isOwner: isOwner, threadRef: nil, now: ctx.now, on: tx)
        var template: TemplateRequest? = nil
        if let name = ctx.string("template"), name != "none", !name.isEmpty {
            guard let purpose = TemplatePurpose(rawValue: name) else { throw NodeFailure.permanent("template \(name) is not a template purpose") }
            var values: [String: String] = [:]
            for (key, value) in ctx.params["template_values"]?.objectValue ?? [:] {
                guard purpose.variables.contains(key) else {
                    throw NodeFailure.permanent("template_values.\(key) is not a value of a \(purpose.label) template (\(purpose.variables.joined(separator: ", ")))")
                }
                values[key] = value.stringValue ?? value.text
            }
            template = TemplateRequest(purpose: purpose, values: values)
        }
        let m = try await messaging.queueOutbound(session: session, text: text, mediaURL: media, author: "workflow",
                                                  authorName: "Workflow", template: template, on: tx)
        return NodeResult(output: ["message_id": .string(m.id!.uuidString), "status": "queued",
                                   "session_id": .string(session.id!.uuidString), "channel_id": .string(channel.id!.uuidString)])
    }
}

// MARK: - Ledger

enum LedgerNodes {
    static func service(_ ctx: StepContext, _ db: any Database) -> LedgerService {
        LedgerService(db: db, store: ctx.app.store, businessID: ctx.businessID, userID: nil, now: ctx.now, inTransaction: true)
    }

    static func uuid(_ ctx: StepContext, _ name: String) throws -> UUID {
        let s = try ctx.requireString(name)
        guard let id = UUID(uuidString: s) else { throw NodeFailure.permanent("\(name) \(s) is not an id") }
        return id
    }

    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue) throws -> T {
        do {
            return try JSONCoders.decoder.decode(T.self, from: try JSONCoders.encoder.encode(value))
        } catch let e as DecodingError {
            throw NodeFailure.permanent("invalid input: \(APIErrorMiddleware.decodingError(e).message)")
        }
    }

    static func createInvoice(_ ctx: StepContext, _ tx: any Database) async throws -> NodeResult {
        let customerID = try uuid(ctx, "customer_id")
        guard let items = ctx.params["items"]?.arrayValue, !items.isEmpty else { throw NodeFailure.permanent("items is empty") }
        var lines: [JSONValue] = []
        for (i, item) in items.enumerated() {
            guard let pid = item["product_id"]?.text, UUID(uuidString: pid) != nil else {
                throw NodeFailure.permanent("items[\(i)].product_id is not a product id")
            }
            guard let q = item["quantity"]?.numberValue, q > 0 else { throw NodeFailure.permanent("items[\(i)].quantity must be above zero") }
            var line: [String: JSONValue] = ["product_id": .string(pid), "quantity": .double(q)]
            if let p = item["unit_price"], p != .null, !(p.stringValue?.isEmpty ?? false) {
                guard let price = p.intValue else { throw NodeFailure.permanent("items[\(i)].unit_price must be paise") }
                line["unit_price"] = .int(price)
            }
            lines.append(.object(line))
        }
        let issue = ctx.bool("issue", default: true)
        let input = try decode(InvoiceInput.self, ["customer_id": .string(customerID.uuidString), "items": .array(lines), "issue": .bool(issue)])
        let inv = try await service(ctx, tx).createInvoice(input)
        let pdf = inv.status == .draft ? JSONValue.null
            : .string(InvoiceLinks.url(ctx.app, invoiceID: inv.id!, businessID: ctx.businessID, now: ctx.now))
        return NodeResult(output: ["invoice_id": .string(inv.id!.uuidString), "number": inv.numberText.map(JSONValue.string) ?? .null,
                                   "total": .int(inv.total), "balance_due": .int(inv.balanceDue), "pdf_url": pdf])
    }

    static func recordPayment(_ ctx: StepContext, _ tx: any Database) async throws -> NodeResult {
        let customerID = try uuid(ctx, "customer_id")
        guard let amount = try ctx.int("amount"), amount > 0 else { throw NodeFailure.permanent("amount must be above zero (in paise)") }
        var o: [String: JSONValue] = ["customer_id": .string(customerID.uuidString), "amount": .int(amount),
                                      "mode": .string(ctx.string("mode") ?? "cash"),
                                      "reference": .string("workflow \(ctx.idempotencyKey.prefix(100))")]
        if let inv = ctx.string("invoice_id") { o["invoice_id"] = .string(inv) }
        let s = service(ctx, tx)
        let p = try await s.recordPayment(try decode(PaymentInput.self, .object(o)))
        let c = try await s.customer(customerID, on: tx)
        return NodeResult(output: ["payment_id": .string(p.id!.uuidString), "amount": .int(p.amount), "balance_after": .int(c.balance)])
    }

    static func books(_ ctx: StepContext, _ db: any Database) -> BooksService {
        BooksService(db: db, store: ctx.app.store, businessID: ctx.businessID, userID: nil, now: ctx.now, inTransaction: true)
    }

    static func recordExpense(_ ctx: StepContext, _ tx: any Database) async throws -> NodeResult {
        guard let amount = try ctx.int("amount"), amount > 0 else { throw NodeFailure.permanent("amount must be above zero (in paise)") }
        let mode = PaymentMode(rawValue: ctx.string("mode") ?? "cash") ?? .cash
        let b = books(ctx, tx)
        let e = try await b.recordExpense(ExpenseInput(amount: amount, category: try ctx.requireString("category"), mode: mode, note: ctx.string("note")))
        return NodeResult(output: ["expense_id": .string(e.id!.uuidString), "amount": .int(e.amount),
                                   "account_balance": .int(try await b.account(e.accountID).balance)])
    }

    static func recordPurchase(_ ctx: StepContext, _ tx: any Database) async throws -> NodeResult {
        let supplierID = try uuid(ctx, "supplier_id")
        guard let items = ctx.params["items"]?.arrayValue, !items.isEmpty else { throw NodeFailure.permanent("items is empty") }
        var o: [String: JSONValue] = ["supplier_id": .string(supplierID.uuidString), "items": .array(items)]
        if let n = ctx.string("bill_number") { o["bill_number"] = .string(n) }
        if let paid = try ctx.int("amount_paid"), paid > 0 { o["amount_paid"] = .int(paid) }
        let bill = try await books(ctx, tx).recordPurchase(try decode(PurchaseInput.self, .object(o)))
        return NodeResult(output: ["purchase_id": .string(bill.id!.uuidString), "total": .int(bill.total), "balance_due": .int(bill.total - bill.amountPaid)])
    }

    static func adjustStock(_ ctx: StepContext, _ tx: any Database) async throws -> NodeResult {
        let productID = try uuid(ctx, "product_id")
        guard let q = try ctx.number("quantity"), q >= 0 else { throw NodeFailure.permanent("quantity must be a number, zero or more") }
        guard let quantity = Quantity(exactly: q) else { throw NodeFailure.permanent("quantity must be at most \(Bounds.maxQuantityUnits)") }
        let p = try await service(ctx, tx).adjustStock(productID, quantity: quantity, mode: ctx.string("mode") ?? "add", reason: ctx.string("reason"))
        return NodeResult(output: ["product_id": .string(p.id!.uuidString), "stock": .double(Double(p.stock) / 1000)])
    }

    static func readService(_ ctx: StepContext) -> LedgerService {
        LedgerService(db: ctx.app.db, store: ctx.app.store, businessID: ctx.businessID, userID: nil, now: ctx.now)
    }

    static func customerBalance(_ ctx: StepContext) async throws -> NodeResult {
        let id = try uuid(ctx, "customer_id")
        let s = readService(ctx)
        let c = try await s.customer(id)
        let today = try await s.today()
        let late = try await s.reads.overdueInvoices(customerID: id, dueBefore: today)
        let overdue = try Money.sum(late.map { max(0, $0.balanceDue) }, field: "total_due")
        return NodeResult(output: ["customer_id": .string(c.id!.uuidString), "name": .string(c.name),
                                   "phone": c.phone.map(JSONValue.string) ?? .null, "balance": .int(c.balance), "overdue": .int(overdue)])
    }

    static func listDebtors(_ ctx: StepContext) async throws -> NodeResult {
        let minBalance = try ctx.int("min_balance") ?? 1
        let limit = Int(min(500, max(1, try ctx.int("limit") ?? 50)))
        let rows = try await readService(ctx).reads.debtors(minBalance: minBalance, activeOnly: true, limit: limit)
        let list: [JSONValue] = rows.map { c in
            ["customer_id": .string(c.id!.uuidString), "name": .string(c.name), "phone": c.phone.map(JSONValue.string) ?? .null,
             "balance": .int(c.balance)]
        }
        return NodeResult(output: ["debtors": .array(list), "count": .int(Int64(rows.count)), "total_due": .int(try Money.sum(rows.map(\.balance), field: "total_due"))])
    }

    static func findProduct(_ ctx: StepContext) async throws -> NodeResult {
        let query = try ctx.requireString("query")
        let products = try await readService(ctx).reads.activeProducts(limit: 2000)
        let candidates = products.map { CustomerBot.Product(name: $0.name, unit: $0.unit, price: $0.price, stock: $0.stock) }
        guard let match = CustomerBot.matchProduct(query, in: candidates), let p = products.first(where: { $0.name == match.name }) else {
            return NodeResult(output: ["found": false, "product_id": .null, "name": .null, "price": .null, "stock": .null, "unit": .null])
        }
        return NodeResult(output: ["found": true, "product_id": .string(p.id!.uuidString), "name": .string(p.name), "price": .int(p.price),
                                   "stock": .double(Double(p.stock) / 1000), "unit": .string(p.unit)])
    }

    static func salesSummary(_ ctx: StepContext) async throws -> NodeResult {
        let period = ctx.string("period") ?? "week"
        let days = period == "today" ? 0 : period == "month" ? 29 : 6
        let ledger = readService(ctx)
        let from = Periods.add(days: -days, to: try await ledger.today())
        let rows = try await ledger.reads.postedInvoices(from: from)
        return NodeResult(output: ["total": .int(try Money.sum(rows.map(\.total), field: "total")), "count": .int(Int64(rows.count)), "period": .string(period)])
    }
}
