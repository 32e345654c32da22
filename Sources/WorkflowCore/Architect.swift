import Foundation

/// A blueprint proposed from a sentence, with what it does and what the owner still has to fill in.
public struct Draft: Sendable, Equatable, Codable {
    public var blueprint: Blueprint
    public var explanation: String
    /// Which recipe produced it (e.g. "debtor_reminders").
    public var recipe: String
    /// Things the draft cannot know (a spreadsheet id, a parcel weight); empty when it can run as is.
    public var todo: [String]

    public init(blueprint: Blueprint, explanation: String, recipe: String, todo: [String] = []) {
        self.blueprint = blueprint
        self.explanation = explanation
        self.recipe = recipe
        self.todo = todo
    }
}

/// The offline architect (DESIGN §7): maps a sentence — English, or simple Hinglish — to one of ten
/// recipes by keyword scoring and fills the parameters it can read (times, weekday, thresholds).
/// Every recipe's blueprint passes the `Validator` (tested), so a draft is always runnable or says
/// in `todo` what is missing.
public enum Architect {
    /// Recipe ids in tie-break order.
    public static var recipes: [String] { all.map(\.id) }

    /// The best-matching recipe's draft, or nil when the sentence matches none well enough.
    public static func draft(prompt: String) -> Draft? {
        let text = Words(prompt)
        var best: (Recipe, Int)?
        for recipe in all {
            let score = recipe.keywords.reduce(0) { $0 + (text.has($1.0) ? $1.1 : 0) }
            if score >= minimumScore, score > (best?.1 ?? 0) { best = (recipe, score) }
        }
        guard let (recipe, _) = best else { return nil }
        var draft = recipe.build(Extracted(prompt: prompt, words: text))
        draft.blueprint = layout(draft.blueprint)
        return draft
    }

    /// A draft for a recipe by id, built from `prompt`'s details (used by tests and the UI's gallery).
    public static func draft(recipe id: String, prompt: String = "") -> Draft? {
        guard let recipe = all.first(where: { $0.id == id }) else { return nil }
        var draft = recipe.build(Extracted(prompt: prompt, words: Words(prompt)))
        draft.blueprint = layout(draft.blueprint)
        return draft
    }

    static let minimumScore = 3

    /// Places nodes left to right by their longest distance from the trigger, stacking siblings.
    public static func layout(_ blueprint: Blueprint) -> Blueprint {
        let graph = Graph(nodes: blueprint.nodes, edges: blueprint.edges)
        var depth: [String: Int] = [:]
        for id in graph.topologicalOrder() {
            let d = graph.incoming[id, default: []].compactMap { depth[$0.source] }.max().map { $0 + 1 } ?? 0
            depth[id] = d
        }
        var rows: [Int: Int] = [:]
        var bp = blueprint
        for i in bp.nodes.indices {
            let d = depth[bp.nodes[i].id] ?? 0
            let row = rows[d, default: 0]
            rows[d] = row + 1
            bp.nodes[i].position = Position(x: Double(d * 260), y: Double(row * 160))
        }
        return bp
    }

    // MARK: recipes

    struct Recipe: Sendable {
        let id: String
        let keywords: [(String, Int)]
        let build: @Sendable (Extracted) -> Draft
    }

    static let owner: JSONValue = "{{business.whatsapp_number}}"

    static let all: [Recipe] = [
        Recipe(id: "order_payment_link", keywords: [
            ("new order", 3), ("naya order", 3), ("order*", 2), ("payment link", 4), ("razorpay", 3), ("link", 1),
            ("sheet*", 2), ("spreadsheet", 2), ("webhook", 2), ("website", 1), ("shopify", 1), ("woocommerce", 1),
        ]) { _ in
            Draft(
                blueprint: Blueprint(name: "New order → payment link", nodes: [
                    node("trigger", .trigger, "webhook", "receive", [
                        "sample_payload": ["order_id": "1001", "amount": 49900, "customer_name": "Asha",
                                           "customer_phone": "+919812345678"],
                    ]),
                    node("payment_link", .action, "razorpay", "create_payment_link", [
                        "amount": "{{trigger.amount}}", "description": "Order {{trigger.order_id}}",
                        "customer_name": "{{trigger.customer_name}}", "customer_phone": "{{trigger.customer_phone}}",
                    ]),
                    node("send_link", .action, "whatsapp", "send_message", [
                        "to": "{{trigger.customer_phone}}",
                        "text": "Hi {{trigger.customer_name}}, thank you for your order {{trigger.order_id}}! Pay {{trigger.amount | rupees}} here: {{steps.payment_link.short_url}}",
                    ]),
                    node("log_order", .action, "google_sheets", "append_row", [
                        "spreadsheet_id": "YOUR_SPREADSHEET_ID", "range": "Orders!A1",
                        "values": ["{{trigger.order_id}}", "{{trigger.customer_name}}", "{{trigger.customer_phone}}",
                                   "{{trigger.amount}}", "{{steps.payment_link.short_url}}"],
                    ]),
                ], edges: chain("trigger", "payment_link", "send_link", "log_order")),
                explanation: "When your shop's website sends a new order to this workflow's webhook, Munim creates a Razorpay payment link for the amount, sends it to the customer on WhatsApp, and adds the order to your Google Sheet.",
                recipe: "order_payment_link",
                todo: [
                    "Replace YOUR_SPREADSHEET_ID in “log_order” with your Google Sheet's id (from its URL).",
                    "Have your website POST order_id, amount (in paise), customer_name and customer_phone to the webhook URL.",
                ])
        },
        Recipe(id: "debtor_reminders", keywords: [
            ("debtor*", 3), ("udhaar", 3), ("udhar", 3), ("baaki", 2), ("bakaya", 2), ("owe*", 2), ("outstanding", 2),
            ("dues", 2), ("due", 1), ("remind*", 2), ("yaad", 1), ("pending payment*", 2), ("credit", 1),
        ]) { x in
            let (hour, minute) = x.time ?? (10, 0)
            let cron = x.weekday.map { "\(minute) \(hour) * * \($0)" } ?? "\(minute) \(hour) * * *"
            let when = x.weekday.map { "Every \(dayName($0))" } ?? "Every day"
            return Draft(
                blueprint: Blueprint(name: "Debtor reminders", nodes: [
                    node("trigger", .trigger, "schedule", "cron", ["cron": .string(cron), "timezone": "Asia/Kolkata"]),
                    node("debtors", .action, "ledger", "list_debtors", ["min_balance": 1, "limit": 50]),
                    node("check", .router, "router", "route", ["branches": [
                        ["port": "has_debtors", "when": ["left": "{{steps.debtors.count}}", "op": ">", "right": 0]],
                    ]]),
                    node("notify_owner", .action, "whatsapp", "send_message", [
                        "to": owner,
                        "text": "{{steps.debtors.count}} customers owe you {{steps.debtors.total_due | rupees}} in total. Open Munim to send them reminders.",
                    ]),
                ], edges: [
                    Edge(source: "trigger", target: "debtors"), Edge(source: "debtors", target: "check"),
                    Edge(source: "check", sourcePort: "has_debtors", target: "notify_owner"),
                ]),
                explanation: "\(when) at \(clock(hour, minute)) (India time), Munim lists the customers who owe you money and, if there are any, sends you a WhatsApp summary with the count and total due.",
                recipe: "debtor_reminders", todo: [])
        },
        Recipe(id: "low_stock_alert", keywords: [
            ("low stock", 4), ("stock*", 2), ("low", 1), ("khatam", 2), ("maal", 1), ("runs out", 3), ("running low", 3),
            ("out of stock", 3), ("inventory", 2), ("below", 1), ("kam", 1), ("reorder", 2),
        ]) { x in
            var params: [String: JSONValue] = ["event": "stock_low"]
            if let t = x.threshold { params["threshold"] = t.rounded() == t ? .int(Int64(t)) : .double(t) }
            let level = x.threshold.map { "falls to \(JSONValue.format($0)) or below" } ?? "falls to its reorder level"
            return Draft(
                blueprint: Blueprint(name: "Low stock alert", nodes: [
                    node("trigger", .trigger, "ledger", "event", .object(params)),
                    node("alert_owner", .action, "whatsapp", "send_message", [
                        "to": owner,
                        "text": "Low stock: {{trigger.product_name}} is down to {{trigger.stock}} {{trigger.unit}}. Time to reorder.",
                    ]),
                ], edges: chain("trigger", "alert_owner")),
                explanation: "When a product's stock \(level), Munim sends you a WhatsApp alert with the product and what is left.",
                recipe: "low_stock_alert", todo: [])
        },
        Recipe(id: "price_reply", keywords: [
            ("price*", 3), ("daam", 3), ("dam", 2), ("bhav", 3), ("rate", 2), ("kitne ka", 2), ("kitne", 1), ("cost", 2),
            ("ask*", 1), ("enquir*", 1), ("inquir*", 1), ("reply", 1),
        ]) { x in
            var trigger: [String: JSONValue] = ["channel_type": "whatsapp"]
            let match: String
            if let word = x.quoted {
                trigger["contains"] = .string(word)
                match = "containing “\(word)”"
            } else {
                trigger["regex"] = #"(?i)\b(price|prices|rate|daam|bhav|cost|kitne)\b"#
                match = "asking about a price (price, rate, daam, bhav…)"
            }
            return Draft(
                blueprint: Blueprint(name: "Price enquiry reply", nodes: [
                    node("trigger", .trigger, "message", "received", .object(trigger)),
                    node("product", .action, "ledger", "find_product", ["query": "{{trigger.text}}"]),
                    node("check", .router, "router", "route", ["branches": [
                        ["port": "found", "when": ["left": "{{steps.product.found}}", "op": "==", "right": true]],
                    ]]),
                    node("send_price", .action, "whatsapp", "send_message", [
                        "to": "{{trigger.from}}",
                        "text": "{{steps.product.name}} costs {{steps.product.price | rupees}} per {{steps.product.unit}}. Reply to order!",
                    ]),
                    node("ask_which", .action, "whatsapp", "send_message", [
                        "to": "{{trigger.from}}",
                        "text": "Thanks for asking! Which product would you like the price of? Reply with its name.",
                    ]),
                ], edges: [
                    Edge(source: "trigger", target: "product"), Edge(source: "product", target: "check"),
                    Edge(source: "check", sourcePort: "found", target: "send_price"),
                    Edge(source: "check", sourcePort: "else", target: "ask_which"),
                ]),
                explanation: "When a customer's WhatsApp message \(match) arrives, Munim looks for the product it mentions in your catalog and replies with its price; if it can't tell which product, it asks.",
                recipe: "price_reply", todo: [])
        },
        Recipe(id: "bluesky_mention_reply", keywords: [
            ("bluesky", 4), ("bsky", 4), ("mention*", 3), ("social", 1), ("draft", 1), ("approv*", 1), ("reply", 1),
        ]) { _ in
            Draft(
                blueprint: Blueprint(name: "Bluesky mention → approved reply", nodes: [
                    node("trigger", .trigger, "message", "received", ["channel_type": "bluesky"]),
                    node("draft", .action, "social", "draft_reply", [
                        "text": "{{trigger.text}}", "tone": "friendly",
                        "template": "Thanks for the mention! We'll get back to you shortly.",
                        "require_approval": false,
                    ]),
                    node("approve", .approval, "approval", "request", [
                        "message": "Reply to {{trigger.from}} on Bluesky?\n\nThey wrote: {{trigger.text}}\n\nDraft: {{steps.draft.draft}}",
                        "channel": "inbox", "timeout": "24h",
                    ]),
                    node("reply", .action, "bluesky", "reply", [
                        "text": "{{steps.draft.draft}}", "parent_uri": "{{trigger.message_id}}",
                    ]),
                ], edges: [
                    Edge(source: "trigger", target: "draft"), Edge(source: "draft", target: "approve"),
                    Edge(source: "approve", sourcePort: "approved", target: "reply"),
                ]),
                explanation: "When someone mentions you on Bluesky, Munim drafts a friendly reply and asks you in the inbox; only if you approve within 24 hours is the reply posted.",
                recipe: "bluesky_mention_reply", todo: [])
        },
        Recipe(id: "invoice_pdf", keywords: [
            ("invoice*", 2), ("bill", 2), ("pdf", 3), ("issued", 1), ("send invoice*", 3), ("bill bhejo", 3),
        ]) { _ in
            Draft(
                blueprint: Blueprint(name: "Send invoice PDF", nodes: [
                    node("trigger", .trigger, "ledger", "event", ["event": "invoice_issued"]),
                    node("send_invoice", .action, "whatsapp", "send_media", [
                        "to": "{{trigger.customer_phone}}", "media_url": "{{trigger.pdf_url}}",
                        "caption": "Invoice {{trigger.number}} from {{business.name}} for {{trigger.total | rupees}}. Thank you!",
                    ]),
                ], edges: chain("trigger", "send_invoice")),
                explanation: "When you issue an invoice, Munim sends its PDF to the customer on WhatsApp with the invoice number and total.",
                recipe: "invoice_pdf", todo: [])
        },
        Recipe(id: "payment_thanks", keywords: [
            ("thank*", 3), ("dhanyavaad", 3), ("dhanyawad", 3), ("shukriya", 3), ("payment*", 1), ("paid", 1),
            ("received", 1), ("mila", 1), ("aaya", 1),
        ]) { _ in
            Draft(
                blueprint: Blueprint(name: "Thank customers for payments", nodes: [
                    node("trigger", .trigger, "ledger", "event", ["event": "payment_recorded"]),
                    node("thank", .action, "whatsapp", "send_message", [
                        "to": "{{trigger.customer_phone}}",
                        "text": "Thank you, {{trigger.customer_name}}! We received {{trigger.amount | rupees}}. Your balance is now {{trigger.balance | rupees}}. — {{business.name}}",
                    ]),
                ], edges: chain("trigger", "thank")),
                explanation: "When you record a payment, Munim thanks the customer on WhatsApp with the amount received and their new balance.",
                recipe: "payment_thanks", todo: [])
        },
        Recipe(id: "weekly_sales", keywords: [
            ("sales", 2), ("bikri", 2), ("summary", 2), ("report", 1), ("weekly", 2), ("week", 1), ("hafta", 2),
            ("hafte", 2), ("monthly", 1), ("revenue", 2),
        ]) { x in
            let (hour, minute) = x.time ?? (9, 0)
            let period: String, cron: String, when: String
            if x.words.has("month*") {
                (period, cron, when) = ("month", "\(minute) \(hour) 1 * *", "On the 1st of every month")
            } else if x.words.hasAny(["daily", "every day", "roz", "har din", "today"]) {
                (period, cron, when) = ("today", "\(minute) \(hour) * * *", "Every day")
            } else {
                let day = x.weekday ?? 1
                (period, cron, when) = ("week", "\(minute) \(hour) * * \(day)", "Every \(dayName(day))")
            }
            let span = ["today": "today", "week": "the last 7 days", "month": "the last 30 days"][period]!
            return Draft(
                blueprint: Blueprint(name: "Sales summary", nodes: [
                    node("trigger", .trigger, "schedule", "cron", ["cron": .string(cron), "timezone": "Asia/Kolkata"]),
                    node("sales", .action, "ledger", "sales_summary", ["period": .string(period)]),
                    node("send_summary", .action, "whatsapp", "send_message", [
                        "to": owner,
                        "text": .string("Sales for \(span): {{steps.sales.total | rupees}} from {{steps.sales.count}} invoices."),
                    ]),
                ], edges: chain("trigger", "sales", "send_summary")),
                explanation: "\(when) at \(clock(hour, minute)) (India time), Munim totals your sales for \(span) and sends you the summary on WhatsApp.",
                recipe: "weekly_sales", todo: [])
        },
        Recipe(id: "ship_after_payment", keywords: [
            ("ship*", 3), ("shiprocket", 4), ("courier", 3), ("dispatch*", 3), ("deliver*", 2), ("parcel", 2),
            ("after payment", 1), ("payment*", 1),
        ]) { _ in
            Draft(
                blueprint: Blueprint(name: "Ship after payment", nodes: [
                    node("trigger", .trigger, "ledger", "event", ["event": "payment_recorded"]),
                    node("check", .router, "router", "route", ["branches": [
                        ["port": "for_invoice", "when": ["left": "{{trigger.invoice_id}}", "op": "exists"]],
                    ]]),
                    node("ship", .action, "shiprocket", "create_order", [
                        "order_id": "{{trigger.invoice_number}}",
                        "billing_customer_name": "{{trigger.customer_name}}",
                        "billing_address": "{{trigger.customer.address}}",
                        "billing_city": "{{trigger.customer.city}}",
                        "billing_pincode": "{{trigger.customer.pincode}}",
                        "billing_state": "{{trigger.customer.state}}",
                        "billing_phone": "{{trigger.customer_phone}}",
                        "items": "{{trigger.items}}",
                        "sub_total": "{{trigger.invoice_total}}",
                        "weight": 0.5,
                        "payment_method": "Prepaid",
                    ]),
                    node("tell_customer", .action, "whatsapp", "send_message", [
                        "to": "{{trigger.customer_phone}}",
                        "text": "Thanks {{trigger.customer_name}}! Your order {{trigger.invoice_number}} is being packed and will ship soon.",
                    ]),
                ], edges: [
                    Edge(source: "trigger", target: "check"),
                    Edge(source: "check", sourcePort: "for_invoice", target: "ship"),
                    Edge(source: "ship", target: "tell_customer"),
                ]),
                explanation: "When a payment for an invoice is recorded, Munim creates a Shiprocket order with the customer's address and the invoice's items, then tells the customer it will ship soon. Payments not tied to an invoice are ignored.",
                recipe: "ship_after_payment",
                todo: [
                    "Set your usual parcel weight in “ship” (0.5 kg is assumed).",
                    "Customers need an address, city, state and PIN code in Munim for shipping.",
                ])
        },
        Recipe(id: "welcome_customer", keywords: [
            ("welcome", 4), ("new customer*", 3), ("naya grahak", 3), ("naye grahak", 3), ("grahak", 1), ("greet*", 2),
            ("swagat", 3),
        ]) { _ in
            Draft(
                blueprint: Blueprint(name: "Welcome new customers", nodes: [
                    node("trigger", .trigger, "ledger", "event", ["event": "customer_created"]),
                    node("welcome", .action, "whatsapp", "send_message", [
                        "to": "{{trigger.customer_phone}}",
                        "text": "Welcome to {{business.name}}, {{trigger.customer_name}}! Message us here any time for prices, orders or your balance.",
                    ]),
                ], edges: chain("trigger", "welcome")),
                explanation: "When you add a new customer, Munim sends them a WhatsApp welcome from your business.",
                recipe: "welcome_customer", todo: [])
        },
    ]

    static func node(_ id: String, _ kind: NodeKind, _ service: String, _ task: String, _ params: JSONValue) -> Node {
        Node(id: id, kind: kind, service: service, task: task, params: params)
    }

    static func chain(_ ids: String...) -> [Edge] {
        zip(ids, ids.dropFirst()).map { Edge(source: $0, target: $1) }
    }

    static func clock(_ h: Int, _ m: Int) -> String {
        (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static func dayName(_ d: Int) -> String { dayNames[d % 7] }
}

/// The prompt as lowercase words, for phrase and prefix ("remind*") lookups.
struct Words {
    let padded: String

    init(_ text: String) {
        let cleaned = text.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " }
        padded = " " + String(cleaned).split(separator: " ").joined(separator: " ") + " "
    }

    /// "word" matches whole words; "stem*" matches words starting with the stem.
    func has(_ phrase: String) -> Bool {
        if phrase.hasSuffix("*") { return padded.contains(" " + phrase.dropLast()) }
        return padded.contains(" \(phrase) ")
    }

    func hasAny(_ phrases: [String]) -> Bool { phrases.contains { has($0) } }
}

/// Details read from the prompt.
struct Extracted {
    let words: Words
    var time: (Int, Int)?
    var weekday: Int?
    var threshold: Double?
    var quoted: String?

    init(prompt: String, words: Words) {
        self.words = words
        let text = String(prompt.lowercased().prefix(500))
        time = Extracted.time(in: text)
        weekday = Extracted.weekday(in: words)
        threshold = Extracted.threshold(in: text)
        if let g = Extracted.groups(#"["“'‘]([^"”'’]{1,40})["”'’]"#, text) { quoted = g[1] }
    }

    static func groups(_ pattern: String, _ text: String) -> [String?]? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length)) else { return nil }
        return (0..<m.numberOfRanges).map { i in
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : (text as NSString).substring(with: r)
        }
    }

    /// "10:00", "9.30 pm", "10 am", "subah 10 baje", "shaam 7 baje", "noon".
    static func time(in text: String) -> (Int, Int)? {
        var hour: Int?, minute = 0
        var meridiem: String?
        if let g = groups(#"\b(\d{1,2})[:.](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?"#, text) {
            hour = Int(g[1]!); minute = Int(g[2]!) ?? 0; meridiem = g[3]
        } else if let g = groups(#"\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.|baje|o'clock|bje)\b"#, text) {
            hour = Int(g[1]!); meridiem = g[2]
        } else if let g = groups(#"\bat\s+(\d{1,2})\b(?![%.,]?\d)"#, text) {
            hour = Int(g[1]!)
        } else if text.contains("noon") || text.contains("dopahar 12") {
            return (12, 0)
        } else if text.contains("midnight") {
            return (0, 0)
        }
        guard var h = hour, h <= 23, minute <= 59 else { return nil }
        let evening = ["shaam", "sham", "raat", "evening", "night"].contains { text.contains($0) }
        if let m = meridiem, m.hasPrefix("p") {
            if h < 12 { h += 12 }
        } else if let m = meridiem, m.hasPrefix("a") {
            if h == 12 { h = 0 }
        } else if evening, h < 12 {
            h += 12
        }
        return (h, minute)
    }

    static let weekdays: [(String, Int)] = [
        ("sunday", 0), ("sun", 0), ("ravivar", 0), ("itvaar", 0), ("itwar", 0),
        ("monday", 1), ("mon", 1), ("somvar", 1), ("somwar", 1),
        ("tuesday", 2), ("tue", 2), ("tues", 2), ("mangalvar", 2), ("mangalwar", 2),
        ("wednesday", 3), ("wed", 3), ("budhvar", 3), ("budhwar", 3),
        ("thursday", 4), ("thu", 4), ("thurs", 4), ("guruvar", 4), ("guruwar", 4),
        ("friday", 5), ("fri", 5), ("shukravar", 5), ("shukrawar", 5),
        ("saturday", 6), ("sat", 6), ("shanivar", 6), ("shaniwar", 6),
    ]

    static func weekday(in words: Words) -> Int? {
        for (name, day) in weekdays where words.has(name) || words.has(name + "s") { return day }
        return nil
    }

    /// "below 5", "under 10", "less than 3", "< 2", "5 se kam".
    static func threshold(in text: String) -> Double? {
        if let g = groups(#"(?:below|under|less than|fewer than|<=?|kam|neeche)\s*(\d+(?:\.\d+)?)"#, text) {
            return Double(g[1]!)
        }
        if let g = groups(#"(\d+(?:\.\d+)?)\s*(?:se kam|se neeche|or less|or fewer)"#, text) {
            return Double(g[1]!)
        }
        return nil
    }
}
