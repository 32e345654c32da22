import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import Vapor
import WorkflowCore

/// Nodes that call a provider configured on the Integrations page (or the LLM).
enum ProviderNodes {
    static func credentials(_ ctx: StepContext, _ provider: IntegrationProvider) async throws -> [String: String] {
        guard let creds = try await Integrations.load(ctx.app, businessID: ctx.businessID, provider) else {
            throw NodeFailure.permanent("\(provider.title) is not connected; add its credentials on the Integrations page")
        }
        return creds
    }

    /// Provider errors: 429/5xx/unreachable are worth retrying, other 4xx are not.
    static func failure(_ retryable: Bool, _ message: String) -> NodeFailure {
        retryable ? .retryable(message) : .permanent(message)
    }

    /// The guard key of a provider's calls: one breaker and one concurrency cap per service and
    /// base URL, shared by every business's workflows on this process (issue 14 §4).
    static func guardKey(_ app: Application, _ provider: Provider) -> String {
        let config = app.munimConfig
        switch provider {
        case .razorpay: return "Razorpay (\(config.razorpayAPIURL))"
        case .shiprocket: return "Shiprocket (\(config.shiprocketAPIURL))"
        case .google: return "Google (\(config.googleSheetsURL))"
        case .openAI: return "OpenAI (\(config.openAIBaseURL))"
        case .twilio: return ChannelAdapters.twilioProvider(app)
        case .bluesky, .mastodon, .instagram: return provider.rawValue
        }
    }

    /// One provider call of a workflow node, through the provider guard like the inbox's own
    /// sends: a provider that stopped answering opens its breaker and the node fails fast
    /// (retryable) for the cool-down; a provider already at its share of the lane puts the step
    /// back for a moment (`JobPostpone`, no attempt spent). A provider's error becomes the node's:
    /// 429/5xx/no answer are retryable, other refusals are not.
    static func call<T: Sendable>(_ ctx: StepContext, _ provider: Provider, label: String? = nil,
                                  _ body: () async throws -> T) async throws -> T {
        do {
            return try await ChannelAdapters.guarded(ctx.app, guardKey(ctx.app, provider), body)
        } catch let e as ProviderGuard.Open {
            throw NodeFailure.retryable(e.description)
        } catch let e as ProviderError {
            let message = label.map { "\($0): \(e.description)" } ?? e.description
            throw failure(e.retryable, message)
        }
    }

    // MARK: Razorpay

    static func createPaymentLink(_ ctx: StepContext) async throws -> NodeResult {
        guard let amount = try ctx.int("amount"), amount >= 100 else {
            throw NodeFailure.permanent("amount must be at least 100 paise (₹1)")
        }
        var expireBy: Int64? = nil
        if let e = ctx.string("expire_by") {
            guard let d = ISODate.parse(e, timeZone: ctx.variables.timeZone) else { throw NodeFailure.permanent("expire_by is not a date") }
            expireBy = Int64(d.timeIntervalSince1970)
        }
        let client = PaymentLinks.client(ctx.app, try await credentials(ctx, .razorpay))
        let customer = RazorpayClient.CustomerInfo(name: ctx.string("customer_name"), contact: ctx.string("customer_phone"),
                                                   email: ctx.string("customer_email"))
        // reference_id is the step's idempotency key: a retried step finds the link it made.
        let link = try await call(ctx, .razorpay) {
            try await client.createPaymentLink(amount: amount, referenceID: String(ctx.idempotencyKey.suffix(40)),
                                               description: ctx.string("description"),
                                               customer: customer.name == nil && customer.contact == nil && customer.email == nil ? nil : customer,
                                               expireBy: expireBy)
        }
        return NodeResult(output: ["link_id": .string(link.id), "short_url": link.short_url.map(JSONValue.string) ?? .null,
                                   "status": .string(link.status), "amount": .int(link.amount)])
    }

    static func getPaymentLink(_ ctx: StepContext) async throws -> NodeResult {
        let client = PaymentLinks.client(ctx.app, try await credentials(ctx, .razorpay))
        let id = try ctx.requireString("link_id")
        let link = try await call(ctx, .razorpay) { try await client.paymentLink(id: id) }
        return NodeResult(output: ["link_id": .string(link.id), "status": .string(link.status),
                                   "amount_paid": .int(link.amount_paid ?? 0), "short_url": link.short_url.map(JSONValue.string) ?? .null])
    }

    // MARK: Google Sheets

    static func sheets(_ ctx: StepContext) async throws -> GoogleSheetsClient {
        let creds = try await credentials(ctx, .googleSheets)
        guard let json = creds["service_account_json"],
              let account = try? JSONDecoder().decode(GoogleServiceAccount.self, from: Data(json.utf8)) else {
            throw NodeFailure.permanent("the Google service account key cannot be read; paste it again on Integrations")
        }
        return ctx.app.providers.sheets(account: account)
    }

    static func sheetsAppend(_ ctx: StepContext) async throws -> NodeResult {
        guard let values = ctx.params["values"]?.arrayValue, !values.isEmpty else { throw NodeFailure.permanent("values is empty") }
        // One row; nested arrays are several rows.
        let rows: [[JSONValue]] = values.allSatisfy({ $0.arrayValue != nil })
            ? values.map { ($0.arrayValue ?? []).map(cell) } : [values.map(cell)]
        let client = try await sheets(ctx)
        let spreadsheetID = try ctx.requireString("spreadsheet_id"), range = try ctx.requireString("range"), now = ctx.now
        let reply = try await call(ctx, .google) { try await client.append(spreadsheetID: spreadsheetID, range: range, values: rows, now: now) }
        let updates = reply["updates"]
        return NodeResult(output: ["updated_range": updates?["updatedRange"] ?? .null,
                                   "updated_rows": updates?["updatedRows"] ?? .int(Int64(rows.count))])
    }

    static func cell(_ v: JSONValue) -> JSONValue {
        switch v {
        case .int, .double, .bool, .string: return v
        case .null: return .string("")
        default: return .string(v.compactJSON)
        }
    }

    static func sheetsRead(_ ctx: StepContext) async throws -> NodeResult {
        let client = try await sheets(ctx)
        let spreadsheetID = try ctx.requireString("spreadsheet_id"), range = try ctx.requireString("range"), now = ctx.now
        let reply = try await call(ctx, .google) { try await client.read(spreadsheetID: spreadsheetID, range: range, now: now) }
        let values = reply["values"] ?? .array([])
        return NodeResult(output: ["values": values, "row_count": .int(Int64(values.arrayValue?.count ?? 0))])
    }

    // MARK: Shiprocket

    static func shiprocket(_ ctx: StepContext) async throws -> ShiprocketClient {
        let creds = try await credentials(ctx, .shiprocket)
        return ctx.app.providers.shiprocket(email: creds["email"] ?? "", password: creds["password"] ?? "")
    }

    static func shiprocketCreate(_ ctx: StepContext) async throws -> NodeResult {
        guard let items = ctx.params["items"]?.arrayValue, !items.isEmpty else { throw NodeFailure.permanent("items is empty") }
        guard let subTotal = try ctx.int("sub_total"), subTotal > 0 else { throw NodeFailure.permanent("sub_total must be above zero (paise)") }
        guard let weight = try ctx.number("weight"), weight > 0 else { throw NodeFailure.permanent("weight must be above zero (kg)") }
        let date = ctx.string("order_date").flatMap { ISODate.parse($0, timeZone: ctx.variables.timeZone) } ?? ctx.now
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = ctx.variables.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        var orderItems: [JSONValue] = []
        for (i, item) in items.enumerated() {
            guard let name = item["name"]?.text, !name.isEmpty else { throw NodeFailure.permanent("items[\(i)].name is empty") }
            guard let units = item["units"]?.numberValue, units > 0 else { throw NodeFailure.permanent("items[\(i)].units must be above zero") }
            guard let price = item["selling_price"]?.numberValue else { throw NodeFailure.permanent("items[\(i)].selling_price is not a number") }
            orderItems.append(["name": .string(name), "sku": .string(item["sku"]?.text.nonEmpty ?? "item-\(i + 1)"),
                               "units": .double(units), "selling_price": .double(price)])
        }
        var order: [String: JSONValue] = [
            // The order id doubles as Shiprocket's duplicate check; the step key makes it unique per step.
            "order_id": .string(try ctx.requireString("order_id")), "order_date": .string(f.string(from: date)),
            "pickup_location": "Primary",
            "billing_customer_name": .string(try ctx.requireString("billing_customer_name")), "billing_last_name": "",
            "billing_address": .string(try ctx.requireString("billing_address")),
            "billing_city": .string(ctx.string("billing_city") ?? ""), "billing_pincode": .string(ctx.string("billing_pincode") ?? ""),
            "billing_state": .string(ctx.string("billing_state") ?? ""), "billing_country": "India",
            "billing_email": "", "billing_phone": .string(try ctx.requireString("billing_phone")),
            "shipping_is_billing": true, "order_items": .array(orderItems),
            "payment_method": .string(ctx.string("payment_method") ?? "Prepaid"),
            "sub_total": .double(Double(subTotal) / 100), "weight": .double(weight),
        ]
        for dim in ["length", "breadth", "height"] { order[dim] = .double(try ctx.number(dim) ?? 10) }
        let client = try await shiprocket(ctx)
        let body = JSONValue.object(order)
        let reply = try await call(ctx, .shiprocket) { try await client.createOrder(body) }
        func text(_ v: JSONValue?) -> JSONValue {
            switch v { case .int(let i)?: return .string(String(i)); case .string(let s)?: return .string(s); default: return .null }
        }
        return NodeResult(output: ["shiprocket_order_id": text(reply["order_id"]), "shipment_id": text(reply["shipment_id"]),
                                   "status": reply["status"] ?? .null])
    }

    static func shiprocketTrack(_ ctx: StepContext) async throws -> NodeResult {
        let awb = try ctx.requireString("awb")
        let client = try await shiprocket(ctx)
        let reply = try await call(ctx, .shiprocket) { try await client.track(awb: awb) }
        let data = reply["tracking_data"]
        let track: JSONValue? = { if case .array(let a)? = data?["shipment_track"] { return a.first } else { return nil } }()
        return NodeResult(output: ["awb": .string(awb), "current_status": track?["current_status"] ?? .null,
                                   "etd": data?["etd"] ?? .null,
                                   "events": data?["shipment_track_activities"] ?? .array([])])
    }

    // MARK: LLM

    static func llm(_ ctx: StepContext) throws -> OpenAIClient {
        guard let client = ctx.app.providers.openAI(.drafting) else { throw NodeFailure.permanent("no LLM configured") }
        return client
    }

    static let answerSchema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["answer"],
        "properties": ["answer": ["type": "string"]],
    ]

    static func ask(_ ctx: StepContext, system: String, user: String) async throws -> String {
        let client = try llm(ctx)
        let model = ctx.app.munimConfig.llmModel
        let content: String
        do {
            content = try await call(ctx, .openAI, label: "LLM") {
                try await client.completeJSON(model: model, system: system, user: user, schemaName: "answer", schema: answerSchema)
            }
        } catch NodeFailure.permanent(let message) {
            // Any refusal by the LLM service (even a 4xx) is retried: it is usually a passing limit.
            throw NodeFailure.retryable(message)
        }
        guard case .string(let answer)? = (try? JSONDecoder().decode(JSONValue.self, from: Data(content.utf8)))?["answer"] else {
            throw NodeFailure.permanent("the LLM's reply was not the requested JSON")
        }
        return answer
    }

    static func gpt(_ ctx: StepContext) async throws -> NodeResult {
        let json = ctx.string("output") == "json"
        var system = ctx.string("persona").map { "You are \($0). " } ?? ""
        system += try ctx.requireString("instructions")
        if json { system += "\nPut a JSON object, as text, in \"answer\"." }
        let answer = try await ask(ctx, system: system, user: try ctx.requireString("input"))
        if json {
            guard let parsed = JSONValue.parse(json: answer), parsed.objectValue != nil else {
                throw NodeFailure.permanent("the LLM did not return a JSON object")
            }
            return NodeResult(output: ["text": .string(answer), "json": parsed])
        }
        return NodeResult(output: ["text": .string(answer), "json": .null])
    }

    /// A reply draft: the LLM when configured, else the template (which may use variables).
    /// Approval (on by default) is handled by the engine after this returns.
    static func draftReply(_ ctx: StepContext) async throws -> NodeResult {
        let incoming = try ctx.requireString("text")
        if ctx.app.munimConfig.llmEnabled {
            let tone = ctx.string("tone") ?? "warm and brief"
            let business = ctx.variables.business["name"]?.text ?? "the business"
            let draft = try await ask(ctx, system: "You write replies for \(business), a small business. Tone: \(tone). "
                                      + "Reply in the customer's language, under 280 characters, no hashtags.", user: incoming)
            return NodeResult(output: ["draft": .string(draft)])
        }
        guard let template = ctx.string("template") else {
            throw NodeFailure.permanent("no LLM configured and no template given")
        }
        return NodeResult(output: ["draft": .string(template)])
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Application {
    private struct ProviderTokensKey: StorageKey { typealias Value = ProviderTokenCache }

    var providerTokens: ProviderTokenCache {
        if let c = storage[ProviderTokensKey.self] { return c }
        let c = ProviderTokenCache()
        storage[ProviderTokensKey.self] = c
        return c
    }
}
