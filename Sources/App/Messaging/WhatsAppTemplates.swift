import Fluent
import Foundation
import SQLKit
import Vapor

/// WhatsApp's customer-service window and approved templates (issue 18 §3).
///
/// WhatsApp delivers free text only within 24 hours of the contact's last message to the business;
/// after that only a template the business had approved (a Twilio Content template, `HX…`) goes
/// through, and Twilio answers error 63016 to anything else. Munim decides before calling Twilio,
/// when the outbox job sends (the window is measured at that moment, with the job's clock):
/// inside the window the text goes as written; outside it, a message that has a purpose (a payment
/// reminder, an invoice, a workflow send naming one) goes as the business's approved template for
/// that purpose, with its variables filled from the values stored with the message; anything else
/// fails before calling Twilio, with the reason on the message.
enum TemplatePurpose: String, Codable, Sendable, CaseIterable {
    case paymentReminder = "payment_reminder"
    case invoiceSent = "invoice_sent"
    case paymentReceived = "payment_received"
    case orderShipped = "order_shipped"
    case statementSent = "statement_sent"
    /// To the owner's own number: a workflow step waits for their decision.
    case approvalRequest = "approval_request"
    /// To a member's own number: the one-time code of "Forgot password" (an Authentication
    /// template in WhatsApp's terms; its text is fixed by WhatsApp).
    case signInCode = "sign_in_code"
    /// A broadcast to many customers: news, an offer, new stock (issue 18 §5). A Marketing
    /// template in WhatsApp's terms (each one WhatsApp charges for at its marketing rate).
    case announcement = "announcement"

    /// What the owner reads in the UI and in errors ("no approved 'payment reminder' template").
    var label: String { rawValue.replacingOccurrences(of: "_", with: " ") }

    /// The values a message of this purpose carries; a template's `{{n}}` maps to one of them.
    var variables: [String] {
        switch self {
        case .paymentReminder: return ["customer_name", "business_name", "amount_due", "payment_link"]
        case .invoiceSent: return ["customer_name", "business_name", "invoice_number", "invoice_total", "amount_due", "document_link", "document_path"]
        case .paymentReceived: return ["customer_name", "business_name", "amount_paid", "amount_due"]
        case .orderShipped: return ["customer_name", "business_name", "order_reference", "tracking_link"]
        case .statementSent: return ["customer_name", "business_name", "period", "amount_due", "document_link", "document_path"]
        case .approvalRequest: return ["business_name", "approval_message", "reply_code", "decision_link"]
        case .signInCode: return ["code", "business_name"]
        case .announcement: return ["customer_name", "business_name", "announcement"]
        }
    }

    /// A template text Munim recommends for the owner to submit for approval (category UTILITY),
    /// in English and Hindi, with its variable mapping. Written for a shop's customers: short,
    /// the shop's name, the amount, one link.
    struct Recommended: Content {
        let language: String
        let body: String
        let variables: [String: String]
    }

    var recommended: [Recommended] {
        switch self {
        case .paymentReminder:
            return [
                .init(language: "en", body: "Namaste {{1}}, a friendly reminder from {{2}}: {{3}} is due. Payment: {{4}}. Thank you!",
                      variables: ["1": "customer_name", "2": "business_name", "3": "amount_due", "4": "payment_link"]),
                .init(language: "hi", body: "नमस्ते {{1}}, {{2}} की ओर से याद दिलाना था: {{3}} बाकी है। भुगतान: {{4}}। धन्यवाद!",
                      variables: ["1": "customer_name", "2": "business_name", "3": "amount_due", "4": "payment_link"]),
            ]
        case .invoiceSent:
            return [
                .init(language: "en", body: "Namaste {{1}}, here is your invoice {{2}} from {{3}} for {{4}}. Download the PDF: {{5}}",
                      variables: ["1": "customer_name", "2": "invoice_number", "3": "business_name", "4": "invoice_total", "5": "document_link"]),
                .init(language: "hi", body: "नमस्ते {{1}}, {{3}} का आपका बिल {{2}}: {{4}}। PDF यहाँ देखें: {{5}}",
                      variables: ["1": "customer_name", "2": "invoice_number", "3": "business_name", "4": "invoice_total", "5": "document_link"]),
            ]
        case .paymentReceived:
            return [
                .init(language: "en", body: "Namaste {{1}}, {{2}} has received your payment of {{3}}. Balance now: {{4}}. Thank you!",
                      variables: ["1": "customer_name", "2": "business_name", "3": "amount_paid", "4": "amount_due"]),
                .init(language: "hi", body: "नमस्ते {{1}}, {{2}} को आपका {{3}} का भुगतान मिल गया। अब बाकी: {{4}}। धन्यवाद!",
                      variables: ["1": "customer_name", "2": "business_name", "3": "amount_paid", "4": "amount_due"]),
            ]
        case .orderShipped:
            return [
                .init(language: "en", body: "Namaste {{1}}, your order {{3}} from {{2}} is on its way. Track it here: {{4}}",
                      variables: ["1": "customer_name", "2": "business_name", "3": "order_reference", "4": "tracking_link"]),
                .init(language: "hi", body: "नमस्ते {{1}}, {{2}} से आपका ऑर्डर {{3}} भेज दिया गया है। यहाँ ट्रैक करें: {{4}}",
                      variables: ["1": "customer_name", "2": "business_name", "3": "order_reference", "4": "tracking_link"]),
            ]
        case .statementSent:
            return [
                .init(language: "en", body: "Namaste {{1}}, here is your statement of account from {{2}} ({{3}}): {{4}} due. PDF: {{5}}",
                      variables: ["1": "customer_name", "2": "business_name", "3": "period", "4": "amount_due", "5": "document_link"]),
                .init(language: "hi", body: "नमस्ते {{1}}, {{2}} का आपका हिसाब ({{3}}): {{4}} बाकी। PDF: {{5}}",
                      variables: ["1": "customer_name", "2": "business_name", "3": "period", "4": "amount_due", "5": "document_link"]),
            ]
        case .approvalRequest:
            return [
                .init(language: "en", body: "{{1}}: a workflow needs your approval — {{2}}. Reply APPROVE {{3}} or REJECT {{3}}, or decide here: {{4}}",
                      variables: ["1": "business_name", "2": "approval_message", "3": "reply_code", "4": "decision_link"]),
                .init(language: "hi", body: "{{1}}: ek workflow aapki manzoori maang raha hai — {{2}}। APPROVE {{3}} ya REJECT {{3}} likhiye, ya yahan tay kijiye: {{4}}",
                      variables: ["1": "business_name", "2": "approval_message", "3": "reply_code", "4": "decision_link"]),
            ]
        case .announcement:
            return [
                .init(language: "en", body: "Namaste {{1}}, news from {{2}}: {{3}} Reply STOP to stop these messages.",
                      variables: ["1": "customer_name", "2": "business_name", "3": "announcement"]),
                .init(language: "hi", body: "नमस्ते {{1}}, {{2}} की ओर से ख़बर: {{3}} ये मैसेज बंद करने के लिए STOP लिखें।",
                      variables: ["1": "customer_name", "2": "business_name", "3": "announcement"]),
            ]
        case .signInCode:
            // WhatsApp writes the text of an Authentication template itself; only the code varies.
            return [
                .init(language: "en", body: "{{1}} is your verification code. For your security, do not share this code.",
                      variables: ["1": "code"]),
                .init(language: "hi", body: "{{1}} आपका वेरिफ़िकेशन कोड है। अपनी सुरक्षा के लिए यह कोड किसी से साझा न करें।",
                      variables: ["1": "code"]),
            ]
        }
    }
}

/// WhatsApp's approval status of a template, as Twilio's Content API reports it.
enum TemplateStatus: String, Codable, Sendable, CaseIterable {
    case approved, pending, received, rejected, paused, disabled, unsubmitted
}

/// A Twilio Content template the business registered for one purpose and language.
final class WhatsAppTemplate: Model, @unchecked Sendable {
    static let schema = "whatsapp_templates"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "purpose") var purpose: String
    @Field(key: "content_sid") var contentSID: String
    @Field(key: "name") var name: String
    @Field(key: "language") var language: String
    /// `{"1": "customer_name", …}` as JSON text: which value fills each placeholder.
    @Field(key: "variables") var variables: String
    /// The template's text with `{{n}}` placeholders (shown in the inbox for what was sent).
    @OptionalField(key: "body") var body: String?
    /// WhatsApp's approval status as Twilio reports it: approved, pending, rejected, …
    @Enum(key: "status") var status: TemplateStatus
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var variableMap: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(variables.utf8))) ?? [:]
    }
}

/// How the outbox sends one WhatsApp message (decided by `WhatsAppWindow.plan`).
enum WhatsAppSendPlan: Equatable, Sendable {
    /// Inside the window: the text as written.
    case text
    /// Outside the window: this template, these variables (JSON), and the text the customer reads.
    case template(contentSID: String, variables: String, rendered: String?)
    /// Cannot be delivered now; the message fails with this reason before calling Twilio.
    case refuse(code: String, message: String)
}

enum WhatsAppWindow {
    /// WhatsApp's customer-service window.
    static let length: TimeInterval = 24 * 3600
    /// The outbox row's and message's error code when a message cannot go out.
    static let outsideCode = "outside_window"

    /// Whether free text may go now, given the contact's last message to the business.
    static func isOpen(lastInbound: Date?, now: Date) -> Bool {
        guard let lastInbound else { return false }
        return now < lastInbound.addingTimeInterval(length)
    }

    /// The sentence shown when Twilio answers 63016 (free text outside the window).
    static let twilioRefusal = "WhatsApp refused free text: more than 24 hours have passed since this customer last wrote. Register an approved template for this kind of message on Integrations → WhatsApp templates."

    /// Decides how one message goes out. Pure: the caller reads the last inbound time, the
    /// message's purpose and values, and the business's approved templates.
    static func plan(lastInbound: Date?, now: Date, purpose: TemplatePurpose?, values: [String: String],
                     templates: [WhatsAppTemplate], preferredLanguage: String) -> WhatsAppSendPlan {
        if isOpen(lastInbound: lastInbound, now: now) { return .text }
        let since = lastInbound.map { _ in "more than 24 hours have passed since this customer last wrote" }
            ?? "this customer has not written to the business yet"
        guard let purpose else {
            return .refuse(code: outsideCode, message: "Not sent: \(since), and WhatsApp then accepts only an approved template. A typed reply can go once they write again.")
        }
        let approved = templates.filter { $0.purpose == purpose.rawValue && $0.status == .approved }
        let lang = preferredLanguage.lowercased().hasPrefix("hi") ? "hi" : "en"
        guard let t = approved.first(where: { $0.language == lang }) ?? approved.first(where: { $0.language == "en" }) ?? approved.first else {
            return .refuse(code: outsideCode, message: "Not sent: \(since), and there is no approved '\(purpose.label)' template. Add one on Integrations → WhatsApp templates.")
        }
        var filled: [String: String] = [:]
        for (placeholder, name) in t.variableMap {
            // WhatsApp rejects an empty variable; a dash says "none" (a reminder without a link).
            let v = (values[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            filled[placeholder] = v.isEmpty ? "-" : v
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: (try? encoder.encode(filled)) ?? Data("{}".utf8), as: UTF8.self)
        return .template(contentSID: t.contentSID, variables: json, rendered: t.body.map { render($0, filled) })
    }

    /// A template's text with its placeholders filled (`{{1}}` → the value).
    static func render(_ body: String, _ values: [String: String]) -> String {
        var out = body
        for (k, v) in values { out = out.replacingOccurrences(of: "{{\(k)}}", with: v) }
        return out
    }
}

/// The business's templates (issue 18 §3): registered by the owner, listed from Twilio's Content API.
struct WhatsAppTemplates {
    let messaging: MessagingService

    struct Input: Content {
        var purpose: String?
        var contentSid: String?
        var name: String?
        var language: String?
        var variables: [String: String]?
        var body: String?
        var status: String?
    }

    static let statuses = TemplateStatus.allCases.map(\.rawValue)

    func list() async throws -> [WhatsAppTemplate] {
        try await WhatsAppTemplate.query(on: messaging.db).filter(\.$businessID == messaging.businessID)
            .sort(\.$purpose).sort(\.$language).all()
    }

    func find(_ id: UUID) async throws -> WhatsAppTemplate {
        guard let t = try await WhatsAppTemplate.query(on: messaging.db).filter(\.$businessID == messaging.businessID)
            .filter(\.$id == id).first() else { throw APIError.notFound("Template") }
        return t
    }

    /// Checks an input against the rules (all fields for a new template, given ones for a change).
    private func validated(_ input: Input, onto t: WhatsAppTemplate, creating: Bool) throws {
        var problems: [String: String] = [:]
        if let p = input.purpose { if TemplatePurpose(rawValue: p) == nil {
            problems["purpose"] = "must be one of \(TemplatePurpose.allCases.map(\.rawValue).joined(separator: ", "))"
        } else { t.purpose = p } } else if creating { problems["purpose"] = "is required" }
        if let sid = input.contentSid?.trimmingCharacters(in: .whitespaces) {
            if sid.count == 34, sid.hasPrefix("HX"), sid.dropFirst(2).allSatisfy(\.isHexDigit) { t.contentSID = sid }
            else { problems["content_sid"] = "must be HX followed by 32 hex characters (Twilio Console → Content Template Builder)" }
        } else if creating { problems["content_sid"] = "is required (HX…, from Twilio's Content Template Builder)" }
        if let l = input.language?.lowercased() {
            if (2...8).contains(l.count), l.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_" || $0 == "-") }) { t.language = l }
            else { problems["language"] = "must be a language like en or hi" }
        } else if creating { t.language = "en" }
        if let n = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if n.count <= 120 { t.name = n } else { problems["name"] = "must be at most 120 characters" }
        }
        if let b = input.body {
            if b.count <= 1600 { t.body = b.isEmpty ? nil : b } else { problems["body"] = "must be at most 1600 characters" }
        }
        if let s = input.status?.lowercased() {
            if let v = TemplateStatus(rawValue: s) { t.status = v } else { problems["status"] = "must be one of \(Self.statuses.joined(separator: ", "))" }
        } else if creating { t.status = .approved }
        if let vars = input.variables {
            let purpose = TemplatePurpose(rawValue: t.purpose)
            if vars.count > 20 { problems["variables"] = "may map at most 20 placeholders" }
            for (k, v) in vars.sorted(by: { $0.key < $1.key }) {
                guard let n = Int(k), (1...20).contains(n), String(n) == k else { problems["variables"] = "keys are placeholder numbers: \"1\", \"2\", …"; break }
                if let purpose, !purpose.variables.contains(v) {
                    problems["variables.\(k)"] = "must be one of \(purpose.variables.joined(separator: ", "))"
                }
            }
            if let data = try? JSONEncoder().encode(vars) { t.variables = String(decoding: data, as: UTF8.self) }
        } else if creating { t.variables = "{}" }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        if t.name.isEmpty { t.name = "\(TemplatePurpose(rawValue: t.purpose)?.label ?? t.purpose) (\(t.language))" }
    }

    func create(_ input: Input) async throws -> WhatsAppTemplate {
        let t = WhatsAppTemplate()
        t.id = UUID()
        t.businessID = messaging.businessID
        // Every field set before validation reads any of them (an unset Fluent field traps).
        t.purpose = ""
        t.contentSID = ""
        t.name = ""
        t.language = "en"
        t.variables = "{}"
        t.status = .approved
        t.createdAt = messaging.now
        t.updatedAt = messaging.now
        try validated(input, onto: t, creating: true)
        try await messaging.store.write(messaging.db) { tx in
            if try await WhatsAppTemplate.query(on: tx).filter(\.$businessID == t.businessID).filter(\.$purpose == t.purpose)
                .filter(\.$language == t.language).first() != nil {
                throw APIError.conflict("template_exists", "A '\(TemplatePurpose(rawValue: t.purpose)?.label ?? t.purpose)' template in \(t.language) is already registered; change or remove it first.")
            }
            try await t.create(on: tx)
        }
        return t
    }

    func update(_ id: UUID, _ input: Input) async throws -> WhatsAppTemplate {
        let t = try await find(id)
        try validated(input, onto: t, creating: false)
        t.updatedAt = messaging.now
        try await messaging.store.write(messaging.db) { tx in
            if try await WhatsAppTemplate.query(on: tx).filter(\.$businessID == t.businessID).filter(\.$purpose == t.purpose)
                .filter(\.$language == t.language).filter(\.$id != id).first() != nil {
                throw APIError.conflict("template_exists", "Another template already covers this purpose and language.")
            }
            try await t.save(on: tx)
        }
        return t
    }

    func delete(_ id: UUID) async throws {
        let t = try await find(id)
        try await messaging.store.write(messaging.db) { tx in try await t.delete(on: tx) }
    }

    /// The templates in the business's Twilio account with their WhatsApp approval status
    /// (`GET /v1/ContentAndApprovals`), through the connected WhatsApp channel's credentials.
    /// Registered templates take the status Twilio reports, so a refresh here is what flips a
    /// pending template to approved.
    func fromTwilio() async throws -> [TwilioClient.ContentTemplate] {
        guard let channel = try await messaging.whatsappChannel() else {
            throw APIError.conflict("no_channel", "Connect a WhatsApp channel first: its Twilio account holds the templates.")
        }
        let items: [TwilioClient.ContentTemplate]
        do {
            items = try await ChannelAdapters.contentTemplates(messaging.app, channel: channel)
        } catch let e as ChannelFailure {
            throw APIError(.badGateway, "provider_error", "Twilio did not list the templates: \(e.message)")
        }
        let statuses = Dictionary(items.map { ($0.sid, TemplateStatus(rawValue: $0.status) ?? .pending) }, uniquingKeysWith: { a, _ in a })
        let registered = try await list().filter { statuses[$0.contentSID] != nil && statuses[$0.contentSID] != $0.status }
        if !registered.isEmpty {
            let now = messaging.now
            try await messaging.store.write(messaging.db) { tx in
                for t in registered {
                    try await WhatsAppTemplate.query(on: tx).filter(\.$id == t.id!).set(\.$status, to: statuses[t.contentSID]!)
                        .set(\.$updatedAt, to: now).update()
                }
            }
        }
        return items
    }

    /// What the outbox needs for one message: the contact's last inbound time in the message's
    /// conversation, the business's approved templates and its language.
    static func plan(for item: OutboxItem, message: Message, db: any Database, now: Date) async throws -> WhatsAppSendPlan {
        guard let session = try await InboxSession.find(message.sessionID, on: db) else { return .text }
        let lastInbound = session.lastInboundAt
        if WhatsAppWindow.isOpen(lastInbound: lastInbound, now: now) { return .text }
        let purpose = item.purpose.flatMap(TemplatePurpose.init(rawValue:))
        let values = item.templateValues.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
        let templates = purpose == nil ? [] : try await WhatsAppTemplate.query(on: db).filter(\.$businessID == item.businessID)
            .filter(\.$purpose == purpose!.rawValue).all()
        let language = try await AccountsService(db: db).business(item.businessID).preferredLanguage
        return WhatsAppWindow.plan(lastInbound: lastInbound, now: now, purpose: purpose, values: values, templates: templates,
                                   preferredLanguage: language)
    }
}

/// What a business-initiated message carries so that it can go as a template outside the window.
struct TemplateRequest: Sendable {
    let purpose: TemplatePurpose
    let values: [String: String]

    /// A document link without the server's address ("p/invoices/….pdf?exp=…&sig=…"): the variable
    /// of a Twilio media template whose media URL is "https://<this server>/{{n}}", so the PDF
    /// itself is attached to a template sent outside the 24-hour window (Twilio requires the
    /// media URL's host to be fixed in the template).
    static func documentPath(_ link: String, base: String) -> String {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return link.hasPrefix(prefix) ? String(link.dropFirst(prefix.count)) : link
    }

    var valuesJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(values)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
