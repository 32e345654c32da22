import AssistantNLU
import AsyncHTTPClient
import Foundation
import Vapor

/// Text → `ParsedIntent`, by the offline parser or an OpenAI-compatible LLM (DESIGN §5). The LLM is
/// used when configured; when it fails, the offline parser answers and `fallbackNote` says so.
struct ParseEngine: Sendable {
    let llm: OpenAIClient?
    let model: String

    struct Outcome: Sendable {
        let intent: ParsedIntent
        let fallbackNote: String?
    }

    init(app: Application) {
        let c = app.munimConfig
        llm = app.providers.openAI(.parse)
        model = c.llmModel
    }

    func parse(_ text: String, catalog: Catalog, logger: Logger) async -> Outcome {
        let offline = OfflineParser(catalog: catalog)
        guard let llm else { return Outcome(intent: offline.parse(text), fallbackNote: nil) }
        do {
            let content = try await llm.completeJSON(model: model, system: Self.systemPrompt(catalog: catalog), user: text,
                                                     schemaName: "parsed_intent", schema: Self.schema)
            return Outcome(intent: try Self.decode(content), fallbackNote: nil)
        } catch {
            logger.warning("LLM parser failed, answering offline: \(error)")
            return Outcome(intent: offline.parse(text), fallbackNote: "(The AI service did not answer, so I used the offline parser.)")
        }
    }

    /// The model's JSON → the same normalized shape the offline parser produces.
    static func decode(_ content: String) throws -> ParsedIntent {
        struct Raw: Decodable {
            let intent: String
            let confidence: Double
            let entities: [String: JSONValue]
        }
        let raw = try JSONDecoder().decode(Raw.self, from: Data(content.utf8))
        let name = IntentName(rawValue: raw.intent) ?? .unknown
        // Only the keys that belong to this intent survive normalization.
        return ParsedIntent.normalized(intent: name, entities: raw.entities.filter { $0.value != .null },
                                       confidence: min(1, max(0, raw.confidence)), engine: "llm")
    }

    static func systemPrompt(catalog: Catalog) -> String {
        let products = catalog.products.prefix(200).map { p in
            p.name + (p.unit.map { " (\($0))" } ?? "") + (p.price.map { " ₹\(Money.format($0).dropFirst())" } ?? "")
        }
        let customers = catalog.customers.prefix(200).map(\.name)
        let suppliers = catalog.suppliers.prefix(200).map(\.name)
        return """
        You turn one message from an Indian shop owner (English or Hinglish) into a bookkeeping intent.
        Intents: create_invoice (a sale), record_payment, check_stock, update_stock, customer_balance, list_debtors,
        send_payment_reminder, create_payment_link, generate_report, sales_summary, add_product, add_customer,
        draft_social_post, record_expense (money the shop spent: rent, salary, electricity, transport, repairs, other),
        books_summary (a question about cash in hand, profit, expenses or what is owed to suppliers),
        record_purchase (stock the shop bought from a supplier), pay_supplier (money the shop paid a supplier),
        send_invoice (send a customer their bill on WhatsApp: "Ramesh ko bill bhejo"; invoice_number like INV-0007 or null),
        help, greeting, unknown.
        Rules: money is an integer number of paise (₹350 = 35000; 1.5 lakh = 15000000; 10k = 1000000).
        Quantities are numbers in the product's unit. Units: kg, g, litre, ml, pcs, bag (bori), box, packet, dozen.
        Fill every entity key; use null when the message does not say it. Do not invent prices: unit_price is null
        unless the message states one. due is true only when the message says the sale is on credit (udhaar/baaki).
        payment_mode is cash, upi (gpay/phonepe/paytm), card, bank (neft/imps), cheque, other or null.
        update_stock.mode is add, remove or set. generate_report.report is inventory, ledger, debtors or sales;
        format pdf, xlsx or csv; period today, this_week, this_month, last_month or null.
        record_expense.category is Rent, Salary, Electricity, Transport, Repairs or Other (note: what it was, e.g. Petrol).
        books_summary.topic is cash, profit, expenses or payables; supplier is the supplier's name when one is asked about.
        record_purchase: supplier is who sold to the shop; items as for a sale, with unit_price the cost per unit before GST;
        amount_paid is what was paid with the bill. pay_supplier: supplier and amount. "Ramesh paid 500" is a customer's
        record_payment; "paid Ambuja 500" where Ambuja is a supplier is pay_supplier.
        Use the business's own names when the message refers to them.
        Products: \(products.isEmpty ? "(none yet)" : products.joined(separator: "; "))
        Customers: \(customers.isEmpty ? "(none yet)" : customers.joined(separator: "; "))
        Suppliers: \(suppliers.isEmpty ? "(none yet)" : suppliers.joined(separator: "; "))
        """
    }

    /// Strict schema: every property required, nullable where a value may be absent.
    static let schema: JSONValue = {
        func nullable(_ type: String) -> JSONValue { ["type": [.string(type), "null"]] }
        func enumOrNull(_ values: [String]) -> JSONValue { ["type": ["string", "null"], "enum": .array(values.map { .string($0) } + [.null])] }
        let item: JSONValue = [
            "type": "object", "additionalProperties": false,
            "required": ["product", "quantity", "unit", "unit_price"],
            "properties": ["product": nullable("string"), "quantity": nullable("number"), "unit": nullable("string"), "unit_price": nullable("integer")],
        ]
        let entities: [String: JSONValue] = [
            "customer": nullable("string"), "items": ["type": ["array", "null"], "items": item],
            "amount_paid": nullable("integer"), "payment_mode": enumOrNull(["cash", "upi", "card", "bank", "cheque", "other"]),
            "discount": nullable("integer"), "due": nullable("boolean"), "amount": nullable("integer"),
            "product": nullable("string"), "quantity": nullable("number"), "mode": enumOrNull(["set", "add", "remove"]),
            "report": enumOrNull(["inventory", "ledger", "debtors", "sales"]), "format": enumOrNull(["pdf", "xlsx", "csv"]),
            "period": enumOrNull(["today", "this_week", "this_month", "last_month"]), "unit_price": nullable("integer"),
            "unit": nullable("string"), "phone": nullable("string"), "platform": enumOrNull(["bluesky", "pixelfed", "instagram"]),
            "content": nullable("string"), "image_url": nullable("string"),
            "category": enumOrNull(["Rent", "Salary", "Electricity", "Transport", "Repairs", "Other"]), "note": nullable("string"),
            "topic": enumOrNull(["cash", "profit", "expenses", "payables"]), "supplier": nullable("string"),
        ]
        return [
            "type": "object", "additionalProperties": false,
            "required": ["intent", "confidence", "entities"],
            "properties": [
                "intent": ["type": "string", "enum": .array(IntentName.allCases.map { .string($0.rawValue) })],
                "confidence": ["type": "number"],
                "entities": [
                    "type": "object", "additionalProperties": false,
                    "required": .array(entities.keys.sorted().map { .string($0) }),
                    "properties": .object(entities),
                ],
            ],
        ]
    }()
}
