import Foundation

/// Every service+task a workflow can use. One list drives validation, the builder palette
/// (`asJSON()`), and the architect's JSON schema (DESIGN §7).
///
/// In App code that also imports AssistantNLU (which has its own `Catalog`), write
/// `WorkflowCore.Catalog` or use the `NodeCatalog` alias.
public enum Catalog {
    public static let all: [NodeSpec] = triggers + logic + messaging + ledger + integrations + social + web

    static let standardIndex = SpecIndex(all)

    /// Exact lookup by service and task.
    public static func spec(service: String, task: String) -> NodeSpec? {
        standardIndex.byKey["\(service)/\(task)"]
    }

    /// The spec a node runs. Triggers are identified by their service alone (the issue's example writes
    /// `webhook/receive`, the builder may write another task), so any task is accepted for them.
    public static func spec(for node: Node) -> NodeSpec? {
        standardIndex.spec(for: node)
    }

    /// The blueprint with each trigger's task set to the catalog's canonical one.
    public static func normalize(_ blueprint: Blueprint) -> Blueprint {
        var bp = blueprint
        for i in bp.nodes.indices where bp.nodes[i].kind == NodeKind.trigger.rawValue {
            if let spec = standardIndex.triggers[bp.nodes[i].service] { bp.nodes[i].task = spec.task }
        }
        return bp
    }

    /// The palette for the builder UI: nodes in display order, the group order, and the business
    /// variables templates may use.
    public static func asJSON() -> JSONValue {
        var groups: [String] = []
        for s in all where !groups.contains(s.group) { groups.append(s.group) }
        return [
            "nodes": .array(all.map { $0.asJSON() }),
            "groups": .array(groups.map(JSONValue.string)),
            "business_variables": .array(Variables.businessFields.map(JSONValue.string)),
        ]
    }
}

/// Lookup tables over a list of specs (the standard catalog, or a test's own list).
struct SpecIndex: Sendable {
    let byKey: [String: NodeSpec]
    let triggers: [String: NodeSpec]

    init(_ specs: [NodeSpec]) {
        byKey = Dictionary(specs.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        triggers = Dictionary(specs.filter { $0.kind == .trigger }.map { ($0.service, $0) },
                              uniquingKeysWith: { first, _ in first })
    }

    func spec(for node: Node) -> NodeSpec? {
        if node.kind == NodeKind.trigger.rawValue { return triggers[node.service] }
        return byKey["\(node.service)/\(node.task)"]
    }
}

/// Alias for App code where `Catalog` would clash with AssistantNLU's.
public typealias NodeCatalog = Catalog

// MARK: - Entries

private func p(_ name: String, _ type: ParamType, required: Bool = false, default d: JSONValue? = nil,
               options: [String] = [], _ description: String, placeholder: String = "",
               fields: [ParamSpec] = [], money: Bool = false) -> ParamSpec {
    ParamSpec(name: name, type: type, required: required, defaultValue: d, options: options,
              description: description, placeholder: placeholder, fields: fields, money: money)
}

private func o(_ name: String, _ type: ParamType, _ description: String) -> OutputSpec {
    OutputSpec(name: name, type: type, description: description)
}

private let channelParam = p("channel_id", .channel, "Which connected channel to send from; empty = the default one.")

extension Catalog {
    static let ledgerEvents = ["invoice_issued", "payment_recorded", "stock_low", "invoice_overdue", "customer_created",
                               "purchase_recorded", "expense_recorded"]

    private static let eventBase = [o("event", .string, "The event name."), o("occurred_at", .datetime, "When it happened (UTC).")]
    private static let customerFields = [
        o("customer_id", .string, "Customer id."), o("customer_name", .string, "Customer name."),
        o("customer_phone", .string, "Customer phone (E.164)."),
        o("customer", .object, "The customer: name, phone, email, address, city, state, pincode."),
    ]

    static let triggers: [NodeSpec] = [
        NodeSpec(service: "manual", task: "start", kind: .trigger, title: "Run by hand",
                 summary: "Start the workflow from the builder with a test payload.", group: "Triggers",
                 params: [p("sample_payload", .json, "Example data; its fields become {{trigger.…}} variables.",
                            placeholder: #"{"amount": 1500}"#)]),
        NodeSpec(service: "webhook", task: "receive", kind: .trigger, title: "Webhook",
                 summary: "Start when another system POSTs JSON to this workflow's /hooks URL.", group: "Triggers",
                 params: [
                    p("secret", .secret, "Shared secret for an HMAC-SHA256 signature; empty accepts unsigned calls."),
                    p("signature_header", .string, default: "X-Munim-Signature", "Header that carries the signature."),
                    p("sample_payload", .json, "Example body; its fields become {{trigger.…}} variables.",
                      placeholder: #"{"order_id": "1001", "amount": 49900}"#),
                 ]),
        NodeSpec(service: "schedule", task: "cron", kind: .trigger, title: "Schedule",
                 summary: "Start on a cron schedule in the business's timezone.", group: "Triggers",
                 params: [
                    p("cron", .string, required: true, "Minute hour day month weekday.", placeholder: "0 10 * * *"),
                    p("timezone", .string, default: "Asia/Kolkata", "IANA timezone the schedule reads in."),
                 ],
                 outputs: [o("scheduled_for", .datetime, "The tick this run is for."),
                           o("fired_at", .datetime, "When the run actually started.")]),
        NodeSpec(service: "message", task: "received", kind: .trigger, title: "Message received",
                 summary: "Start when a customer's message arrives on a channel.", group: "Triggers",
                 params: [
                    p("channel_id", .channel, "Only messages on this channel; empty = every channel."),
                    p("channel_type", .enum, default: "any",
                      options: ["any", "whatsapp", "bluesky", "pixelfed", "instagram", "simulator"],
                      "Only messages from this kind of channel."),
                    p("contains", .string, "Only messages containing this text (case-insensitive).", placeholder: "price"),
                    p("regex", .string, "Only messages matching this regular expression.", placeholder: "(?i)order\\s+#?\\d+"),
                 ],
                 outputs: [
                    o("channel", .string, "Id of the channel it arrived on."),
                    o("channel_type", .string, "whatsapp, bluesky, pixelfed, instagram or simulator."),
                    o("from", .string, "Sender address: phone number, handle or account id."),
                    o("text", .string, "Message text."),
                    o("message_id", .string, "The provider's id of the message (a post URI on Bluesky)."),
                    o("session_id", .string, "Inbox session id."),
                    o("contact", .object, "The contact: id, name, phone, handle."),
                 ]),
        NodeSpec(service: "ledger", task: "event", kind: .trigger, title: "Ledger event",
                 summary: "Start when something happens in the books.", group: "Triggers",
                 params: [
                    p("event", .enum, required: true, options: ledgerEvents, "Which event starts the workflow."),
                    p("days", .integer, "invoice_overdue: days past the due date.", placeholder: "7"),
                    p("threshold", .number, "stock_low: alert at or below this stock; empty = the product's reorder level."),
                 ],
                 outputVariants: OutputVariants(param: "event", outputs: [
                    "invoice_issued": eventBase + [
                        o("invoice_id", .string, "Invoice id."), o("number", .string, "Invoice number, e.g. INV-0007."),
                    ] + customerFields + [
                        o("total", .integer, "Invoice total in paise."), o("balance_due", .integer, "Unpaid amount in paise."),
                        o("items", .array, "Lines: name, quantity, unit, unit_price, amount."),
                        o("pdf_url", .string, "Link to the invoice PDF."),
                    ],
                    "payment_recorded": eventBase + [
                        o("payment_id", .string, "Payment id."), o("amount", .integer, "Amount in paise."),
                        o("mode", .string, "cash, upi, bank, card, cheque or other."),
                    ] + customerFields + [
                        o("invoice_id", .string, "The invoice it paid, when there is one."),
                        o("invoice_number", .string, "That invoice's number."),
                        o("invoice_total", .integer, "That invoice's total in paise."),
                        o("items", .array, "That invoice's lines."),
                        o("balance", .integer, "Customer balance after the payment, in paise."),
                    ],
                    "stock_low": eventBase + [
                        o("product_id", .string, "Product id."), o("product_name", .string, "Product name."),
                        o("stock", .number, "Stock now, in the product's unit."), o("unit", .string, "Unit, e.g. kg."),
                        o("threshold", .number, "The level it fell to or below."),
                    ],
                    "invoice_overdue": eventBase + [
                        o("invoice_id", .string, "Invoice id."), o("number", .string, "Invoice number."),
                    ] + customerFields + [
                        o("total", .integer, "Invoice total in paise."), o("balance_due", .integer, "Unpaid amount in paise."),
                        o("due_date", .datetime, "Due date."), o("days_overdue", .integer, "Days past due."),
                    ],
                    "customer_created": eventBase + customerFields,
                    "purchase_recorded": eventBase + [
                        o("purchase_id", .string, "Purchase bill id."), o("bill_number", .string, "The supplier's bill number."),
                        o("bill_date", .string, "Bill date, YYYY-MM-DD."), o("supplier_id", .string, "Supplier id."),
                        o("supplier_name", .string, "Supplier name."), o("supplier_phone", .string, "Supplier phone (E.164)."),
                        o("total", .integer, "Bill total in paise."), o("amount_paid", .integer, "Paid against it, in paise."),
                        o("balance_due", .integer, "Still to pay, in paise."), o("supplier_balance", .integer, "All owed to the supplier, in paise."),
                        o("items", .array, "Lines: name, quantity, unit, unit_cost, amount."),
                    ],
                    "expense_recorded": eventBase + [
                        o("expense_id", .string, "Expense id."), o("amount", .integer, "Amount in paise."),
                        o("category", .string, "Rent, Salary, Electricity, Transport, Repairs, Other or the business's own."),
                        o("date", .string, "Date, YYYY-MM-DD."), o("note", .string, "Note."), o("gst_paid", .integer, "GST inside the amount, in paise."),
                        o("account_name", .string, "The account it was paid from."),
                    ],
                 ])),
    ]

    static let logic: [NodeSpec] = [
        NodeSpec(service: "router", task: "route", kind: .router, title: "Router",
                 summary: "Send the run down the first branch whose condition holds, else the \"else\" port.",
                 group: "Logic",
                 params: [p("branches", .array, required: true, "Branches tried in order.", fields: [
                    p("port", .string, required: true, "Port name for this branch.", placeholder: "big"),
                    p("when", .object, required: true, "Condition: {\"all\": [...]}, {\"any\": [...]} or {\"left\", \"op\", \"right\"}.",
                      placeholder: #"{"left": "{{trigger.amount}}", "op": ">=", "right": 1000}"#),
                 ])],
                 outputs: [o("port", .string, "The branch taken.")]),
        NodeSpec(service: "delay", task: "wait", kind: .delay, title: "Wait",
                 summary: "Pause the run for a while or until a moment; resumes even after a restart.", group: "Logic",
                 params: [
                    p("duration", .duration, "How long to wait (set this or until).", placeholder: "2h"),
                    p("until", .datetime, "Wait until this moment (set this or duration).", placeholder: "2025-01-31T10:00:00+05:30"),
                 ],
                 outputs: [o("waited_until", .datetime, "When the wait ended.")]),
        NodeSpec(service: "approval", task: "request", kind: .approval, title: "Ask for approval",
                 summary: "Hold the run until a person approves or rejects.", group: "Logic",
                 params: [
                    p("message", .text, required: true, "What the approver sees."),
                    p("channel", .enum, default: "inbox", options: ["inbox", "whatsapp"], "Where to ask."),
                    p("timeout", .duration, default: "24h", "Take the timeout port after this long."),
                 ],
                 outputs: [
                    o("decision", .string, "approved, rejected or timeout."), o("decided_by", .string, "Who decided."),
                    o("decided_at", .datetime, "When."), o("note", .string, "The approver's note."),
                 ]),
        NodeSpec(service: "data", task: "set", kind: .action, title: "Set values",
                 summary: "Compute named values from templates for later steps.", group: "Logic",
                 params: [p("values", .templateObject, required: true, "Name → template; each name becomes an output.",
                            placeholder: #"{"greeting": "Hi {{trigger.customer_name}}"}"#)],
                 dynamicOutputs: true),
    ]

    /// The purposes a WhatsApp template can be registered for (App's `TemplatePurpose`), and "none".
    public static let whatsappTemplatePurposes = ["none", "payment_reminder", "invoice_sent", "payment_received", "order_shipped", "statement_sent", "approval_request", "announcement"]

    static let messaging: [NodeSpec] = [
        NodeSpec(service: "whatsapp", task: "send_message", kind: .action, title: "Send WhatsApp message",
                 summary: "Send a text message on WhatsApp.", group: "WhatsApp",
                 params: [
                    p("to", .string, required: true, "Phone number (E.164) or a template.", placeholder: "{{trigger.customer_phone}}"),
                    p("text", .text, required: true, "Message text."),
                    channelParam,
                    p("template", .enum, default: "none", options: whatsappTemplatePurposes,
                      "Outside WhatsApp's 24-hour window, send as the business's approved template for this purpose (Integrations → WhatsApp templates)."),
                    p("template_values", .templateObject, "The template's values by name: customer_name, business_name, amount_due, payment_link, invoice_number, invoice_total, document_link, amount_paid, order_reference, tracking_link, period, announcement.",
                      placeholder: #"{"customer_name": "{{trigger.customer_name}}", "amount_due": "{{trigger.amount}}"}"#),
                 ],
                 outputs: [o("message_id", .string, "Outbox message id."), o("status", .string, "queued, sent, delivered or failed.")],
                 network: true),
        NodeSpec(service: "whatsapp", task: "send_media", kind: .action, title: "Send WhatsApp media",
                 summary: "Send an image or PDF on WhatsApp.", group: "WhatsApp",
                 params: [
                    p("to", .string, required: true, "Phone number (E.164) or a template."),
                    p("media_url", .string, required: true, "Public URL of the file."),
                    p("caption", .text, "Text under the media."),
                    channelParam,
                 ],
                 outputs: [o("message_id", .string, "Outbox message id."), o("status", .string, "Delivery status.")],
                 network: true),
    ]

    static let ledger: [NodeSpec] = [
        NodeSpec(service: "ledger", task: "create_invoice", kind: .action, title: "Create invoice",
                 summary: "Create (and by default issue) an invoice at catalog prices.", group: "Ledger",
                 params: [
                    p("customer_id", .string, required: true, "Customer id."),
                    p("items", .array, required: true, "Invoice lines.", fields: [
                        p("product_id", .string, required: true, "Product id."),
                        p("quantity", .number, required: true, "Quantity in the product's unit."),
                        p("unit_price", .integer, "Price per unit in paise; empty = catalog price."),
                    ]),
                    p("issue", .boolean, default: true, "Issue it (posts to the ledger); false leaves a draft."),
                 ],
                 outputs: [
                    o("invoice_id", .string, "Invoice id."), o("number", .string, "Invoice number."),
                    o("total", .integer, "Total in paise."), o("balance_due", .integer, "Unpaid amount in paise."),
                    o("pdf_url", .string, "Link to the PDF."),
                 ]),
        NodeSpec(service: "ledger", task: "record_payment", kind: .action, title: "Record payment",
                 summary: "Record money received from a customer.", group: "Ledger",
                 params: [
                    p("customer_id", .string, required: true, "Customer id."),
                    p("amount", .integer, required: true, "Amount in paise.", placeholder: "50000", money: true),
                    p("mode", .enum, default: "cash", options: ["cash", "upi", "bank", "card", "cheque", "other"], "How it was paid."),
                    p("invoice_id", .string, "Apply to this invoice; empty = oldest unpaid first."),
                 ],
                 outputs: [
                    o("payment_id", .string, "Payment id."), o("amount", .integer, "Amount in paise."),
                    o("balance_after", .integer, "Customer balance afterwards, in paise."),
                 ]),
        NodeSpec(service: "ledger", task: "record_expense", kind: .action, title: "Record expense",
                 summary: "Record money the shop spent, paid from an account.", group: "Ledger",
                 params: [
                    p("amount", .integer, required: true, "Amount in paise, GST included.", placeholder: "150000", money: true),
                    p("category", .string, required: true, "Rent, Salary, Electricity, Transport, Repairs, Other or your own.", placeholder: "Transport"),
                    p("mode", .enum, default: "cash", options: ["cash", "upi", "bank", "card", "cheque", "other"], "How it was paid (picks the account)."),
                    p("note", .string, "What it was for."),
                 ],
                 outputs: [
                    o("expense_id", .string, "Expense id."), o("amount", .integer, "Amount in paise."),
                    o("account_balance", .integer, "The account's balance afterwards, in paise."),
                 ]),
        NodeSpec(service: "ledger", task: "record_purchase", kind: .action, title: "Record purchase",
                 summary: "Record a supplier's bill: stock comes in, the payable rises.", group: "Ledger",
                 params: [
                    p("supplier_id", .string, required: true, "Supplier id."),
                    p("items", .array, required: true, "Lines bought.", fields: [
                        p("product_id", .string, required: true, "Product id."),
                        p("quantity", .number, required: true, "Quantity in the product's unit."),
                        p("unit_cost", .integer, required: true, "Cost per unit in paise, GST excluded."),
                    ]),
                    p("bill_number", .string, "The supplier's bill number."),
                    p("amount_paid", .integer, "Paid now, in paise.", money: true),
                 ],
                 outputs: [
                    o("purchase_id", .string, "Purchase bill id."), o("total", .integer, "Total in paise."),
                    o("balance_due", .integer, "Still to pay, in paise."),
                 ]),
        NodeSpec(service: "ledger", task: "adjust_stock", kind: .action, title: "Adjust stock",
                 summary: "Add, remove or set a product's stock (recorded as a stock movement).", group: "Ledger",
                 params: [
                    p("product_id", .string, required: true, "Product id."),
                    p("quantity", .number, required: true, "Quantity in the product's unit."),
                    p("mode", .enum, default: "add", options: ["add", "remove", "set"], "How to apply the quantity."),
                    p("reason", .string, "Why (kept on the stock movement)."),
                 ],
                 outputs: [o("product_id", .string, "Product id."), o("stock", .number, "Stock afterwards.")]),
        NodeSpec(service: "ledger", task: "get_customer_balance", kind: .action, title: "Customer balance",
                 summary: "Look up what a customer owes.", group: "Ledger",
                 params: [p("customer_id", .string, required: true, "Customer id.")],
                 outputs: [
                    o("customer_id", .string, "Customer id."), o("name", .string, "Name."), o("phone", .string, "Phone."),
                    o("balance", .integer, "Balance in paise."), o("overdue", .integer, "Overdue part in paise."),
                 ]),
        NodeSpec(service: "ledger", task: "list_debtors", kind: .action, title: "List debtors",
                 summary: "Customers who owe money, largest first.", group: "Ledger",
                 params: [
                    p("min_balance", .integer, default: 1, "Only balances of at least this many paise.", money: true),
                    p("limit", .integer, default: 50, "At most this many customers."),
                 ],
                 outputs: [
                    o("debtors", .array, "Customers: customer_id, name, phone, balance."),
                    o("count", .integer, "How many."), o("total_due", .integer, "Sum of their balances in paise."),
                 ]),
        NodeSpec(service: "ledger", task: "find_product", kind: .action, title: "Find product",
                 summary: "Find the catalog product a text mentions (tolerant of spelling).", group: "Ledger",
                 params: [p("query", .string, required: true, "Product name or a sentence mentioning it.",
                            placeholder: "{{trigger.text}}")],
                 outputs: [
                    o("found", .boolean, "Whether exactly one product matched."), o("product_id", .string, "Product id."),
                    o("name", .string, "Product name."), o("price", .integer, "Price per unit in paise."),
                    o("stock", .number, "Stock in the product's unit."), o("unit", .string, "Unit, e.g. kg."),
                 ]),
        NodeSpec(service: "ledger", task: "sales_summary", kind: .action, title: "Sales summary",
                 summary: "Totals of issued invoices for a period in the business's timezone.", group: "Ledger",
                 params: [p("period", .enum, default: "week", options: ["today", "week", "month"],
                            "today, the last 7 days, or the last 30 days.")],
                 outputs: [
                    o("total", .integer, "Sales total in paise."), o("count", .integer, "Number of invoices."),
                    o("period", .string, "The period summarised."),
                 ]),
    ]

    static let integrations: [NodeSpec] = [
        NodeSpec(service: "google_sheets", task: "append_row", kind: .action, title: "Append row",
                 summary: "Add a row to a Google Sheet.", group: "Google Sheets",
                 params: [
                    p("spreadsheet_id", .string, required: true, "The id in the sheet's URL."),
                    p("range", .string, required: true, "Where to append.", placeholder: "Sheet1!A1"),
                    p("values", .array, required: true, "Cell values, left to right."),
                 ],
                 outputs: [o("updated_range", .string, "Range written."), o("updated_rows", .integer, "Rows written.")],
                 network: true),
        NodeSpec(service: "google_sheets", task: "read_range", kind: .action, title: "Read range",
                 summary: "Read cells from a Google Sheet.", group: "Google Sheets",
                 params: [
                    p("spreadsheet_id", .string, required: true, "The id in the sheet's URL."),
                    p("range", .string, required: true, "Cells to read.", placeholder: "Sheet1!A1:D50"),
                 ],
                 outputs: [o("values", .array, "Rows of cell values."), o("row_count", .integer, "Number of rows.")],
                 network: true),
        NodeSpec(service: "razorpay", task: "create_payment_link", kind: .action, title: "Create payment link",
                 summary: "Create a Razorpay payment link.", group: "Payments",
                 params: [
                    p("amount", .integer, required: true, "Amount in paise.", placeholder: "{{trigger.amount}}", money: true),
                    p("description", .string, "What the payment is for."),
                    p("customer_name", .string, "Customer name."),
                    p("customer_phone", .string, "Customer phone; Razorpay can notify it."),
                    p("customer_email", .string, "Customer email."),
                    p("expire_by", .datetime, "When the link stops working."),
                 ],
                 outputs: [
                    o("link_id", .string, "Razorpay link id."), o("short_url", .string, "The link to share."),
                    o("status", .string, "Link status."), o("amount", .integer, "Amount in paise."),
                 ],
                 network: true),
        NodeSpec(service: "razorpay", task: "get_payment_link", kind: .action, title: "Check payment link",
                 summary: "Fetch a Razorpay payment link's status.", group: "Payments",
                 params: [p("link_id", .string, required: true, "Razorpay link id.")],
                 outputs: [
                    o("link_id", .string, "Link id."), o("status", .string, "created, paid, cancelled or expired."),
                    o("amount_paid", .integer, "Paid so far, in paise."), o("short_url", .string, "The link."),
                 ],
                 network: true),
        NodeSpec(service: "shiprocket", task: "create_order", kind: .action, title: "Create shipment",
                 summary: "Create a Shiprocket order for dispatch.", group: "Shipping",
                 params: [
                    p("order_id", .string, required: true, "Your order reference."),
                    p("order_date", .datetime, "Order date; empty = now."),
                    p("billing_customer_name", .string, required: true, "Customer name."),
                    p("billing_address", .string, required: true, "Street address."),
                    p("billing_city", .string, "City."),
                    p("billing_pincode", .string, "PIN code."),
                    p("billing_state", .string, "State."),
                    p("billing_phone", .string, required: true, "Phone."),
                    p("items", .array, required: true, "Order lines.", fields: [
                        p("name", .string, required: true, "Item name."),
                        p("sku", .string, "SKU."),
                        p("units", .number, required: true, "Quantity."),
                        p("selling_price", .number, required: true, "Price per unit in rupees (Shiprocket's unit)."),
                    ]),
                    p("sub_total", .integer, required: true, "Order value in paise.", money: true),
                    p("weight", .number, required: true, "Parcel weight in kg.", placeholder: "0.5"),
                    p("length", .number, "cm."), p("breadth", .number, "cm."), p("height", .number, "cm."),
                    p("payment_method", .enum, default: "Prepaid", options: ["Prepaid", "COD"], "Prepaid or cash on delivery."),
                 ],
                 outputs: [
                    o("shiprocket_order_id", .string, "Shiprocket order id."), o("shipment_id", .string, "Shipment id."),
                    o("status", .string, "Order status."),
                 ],
                 network: true),
        NodeSpec(service: "shiprocket", task: "track_awb", kind: .action, title: "Track shipment",
                 summary: "Tracking status of an AWB number.", group: "Shipping",
                 params: [p("awb", .string, required: true, "Air waybill number.")],
                 outputs: [
                    o("awb", .string, "AWB."), o("current_status", .string, "Latest status."),
                    o("etd", .datetime, "Expected delivery."), o("events", .array, "Tracking events."),
                 ],
                 network: true),
        NodeSpec(service: "gpt", task: "process_text", kind: .action, title: "AI: process text",
                 summary: "Ask the configured LLM to transform or classify text.", group: "AI",
                 params: [
                    p("input", .text, required: true, "The text to work on.", placeholder: "{{trigger.text}}"),
                    p("persona", .string, "Who the model should act as."),
                    p("instructions", .text, required: true, "What to do with the input."),
                    p("output", .enum, default: "text", options: ["text", "json"], "Plain text, or a JSON object."),
                 ],
                 outputs: [o("text", .string, "The answer as text."), o("json", .json, "The answer parsed as JSON (output json).")],
                 network: true, defaultTimeoutSeconds: 60),
        NodeSpec(service: "social", task: "draft_reply", kind: .action, title: "Draft a reply",
                 summary: "Draft a reply to a post or message (LLM when configured, else the template).", group: "AI",
                 params: [
                    p("text", .text, required: true, "The incoming post or message.", placeholder: "{{trigger.text}}"),
                    p("tone", .string, "Tone, e.g. warm, brief, formal."),
                    p("template", .text, "Reply to use when no LLM is configured."),
                    p("require_approval", .boolean, default: true,
                      "Hold the draft in the inbox for approval; turn off when an approval step follows."),
                 ],
                 outputs: [o("draft", .string, "The drafted reply.")],
                 network: true, defaultTimeoutSeconds: 60),
    ]

    static let social: [NodeSpec] = [
        NodeSpec(service: "bluesky", task: "post", kind: .action, title: "Bluesky: post",
                 summary: "Publish a post on Bluesky.", group: "Social",
                 params: [p("text", .text, required: true, "Post text (300 characters max)."), channelParam],
                 outputs: [o("uri", .string, "Post URI."), o("cid", .string, "Post CID.")], network: true),
        NodeSpec(service: "bluesky", task: "reply", kind: .action, title: "Bluesky: reply",
                 summary: "Reply to a Bluesky post.", group: "Social",
                 params: [
                    p("text", .text, required: true, "Reply text."),
                    p("parent_uri", .string, required: true, "URI of the post to reply to.", placeholder: "{{trigger.message_id}}"),
                    channelParam,
                 ],
                 outputs: [o("uri", .string, "Reply URI."), o("cid", .string, "Reply CID.")], network: true),
        NodeSpec(service: "bluesky", task: "send_dm", kind: .action, title: "Bluesky: direct message",
                 summary: "Send a Bluesky chat message.", group: "Social",
                 params: [p("to", .string, required: true, "Handle or DID."), p("text", .text, required: true, "Message."), channelParam],
                 outputs: [o("message_id", .string, "Message id.")], network: true),
        NodeSpec(service: "pixelfed", task: "post", kind: .action, title: "Pixelfed: post",
                 summary: "Publish a status on Pixelfed.", group: "Social",
                 params: [p("text", .text, required: true, "Caption."), p("media_url", .string, "Image URL."), channelParam],
                 outputs: [o("status_id", .string, "Status id."), o("url", .string, "Status URL.")], network: true),
        NodeSpec(service: "pixelfed", task: "reply", kind: .action, title: "Pixelfed: reply",
                 summary: "Reply to a Pixelfed status.", group: "Social",
                 params: [
                    p("text", .text, required: true, "Reply text."),
                    p("in_reply_to_id", .string, required: true, "Status id to reply to."), channelParam,
                 ],
                 outputs: [o("status_id", .string, "Status id."), o("url", .string, "Status URL.")], network: true),
        NodeSpec(service: "instagram", task: "publish", kind: .action, title: "Instagram: publish",
                 summary: "Publish an image post on Instagram.", group: "Social",
                 params: [p("image_url", .string, required: true, "Public image URL."), p("caption", .text, "Caption."), channelParam],
                 outputs: [o("media_id", .string, "Media id.")], network: true),
        NodeSpec(service: "instagram", task: "send_dm", kind: .action, title: "Instagram: direct message",
                 summary: "Send an Instagram direct message.", group: "Social",
                 params: [
                    p("recipient_id", .string, required: true, "Instagram-scoped user id."),
                    p("text", .text, required: true, "Message."), channelParam,
                 ],
                 outputs: [o("message_id", .string, "Message id.")], network: true),
    ]

    static let web: [NodeSpec] = [
        NodeSpec(service: "http", task: "request", kind: .action, title: "HTTP request",
                 summary: "Call any HTTP API.", group: "Web",
                 params: [
                    p("method", .enum, default: "GET", options: ["GET", "POST", "PUT", "PATCH", "DELETE"], "HTTP method."),
                    p("url", .string, required: true, "URL (http or https).", placeholder: "https://api.example.com/orders"),
                    p("headers", .object, "Request headers."),
                    p("body", .json, "JSON body."),
                 ],
                 outputs: [
                    o("status", .integer, "Response status."), o("headers", .object, "Response headers."),
                    o("body", .string, "Response body as text."), o("json", .json, "Response body parsed as JSON, when it is JSON."),
                 ],
                 network: true),
        NodeSpec(service: "respond", task: "respond", kind: .action, title: "Respond to webhook",
                 summary: "Set the HTTP response a webhook caller gets.", group: "Web",
                 params: [
                    p("status", .integer, default: 200, "HTTP status."),
                    p("body", .json, "JSON body."),
                    p("headers", .object, "Response headers."),
                 ],
                 outputs: [o("status", .integer, "Status sent."), o("body", .json, "Body sent.")]),
    ]
}
