import Foundation

/// Every HTTP route Munim serves, in one table (issue 15 §1). Handlers are registered from it
/// (`RoutesBuilder.on(_:use:)`), server-side links are built from it (webhook URLs, status
/// callbacks, signed PDF links, report links in cards, idempotent replays), the OpenAPI document
/// takes its paths from it, and `Public/js/routes.js` is generated from it (`munim routes-js`;
/// `scripts/gen-routes` rewrites the file, a test fails when it is stale). No other file spells a
/// route path: `Tests/AppTests/RouteTableScenarios.swift` greps for literals.
///
/// Paths use OpenAPI's `{name}` placeholders; the same names reach handlers as Vapor parameters.
public enum Endpoint: String, CaseIterable, Sendable {
    // Operations
    case health, ready, metrics, docs, openAPI
    case deadJobs, deadJobRetry, deadJobDiscard
    // Accounts
    case signup, login, logout, me, meUpdate, changePassword, business, businessUpdate
    case recoveryOptions, forgotPassword, resetPassword, loginCode, loginCodeVerify
    case staff, staffAdd, staffRemove, tokens, tokenCreate, tokenRevoke
    // Ledger
    case customers, customerCreate, customer, customerUpdate, customerDelete, customerStatement, customerReminders
    case debtorRemindersPreview, debtorReminders, customerStatementSend
    case products, productCreate, product, productUpdate, productDelete, productRestock, productMovements
    case invoices, invoiceCreate, invoice, invoiceUpdate, invoiceDelete, invoiceIssue, invoiceVoid, invoicePDF
    case invoiceShare, invoiceSend
    case invoiceCreditNotes, creditNoteCreate, creditNote, creditNotePDF, invoiceEInvoice
    case payments, paymentCreate, payment, paymentSend
    case publicInvoicePDF, publicStatementPDF
    // Books: suppliers, purchases, expenses, accounts
    case suppliers, supplierCreate, supplier, supplierUpdate, supplierStatement
    case purchases, purchaseCreate, purchase, purchaseVoid
    case supplierPayments, supplierPaymentCreate, supplierPayment
    case expenses, expenseCreate, expense, expenseDelete, expenseReceipt, expenseReceiptPut, expenseReceiptDelete
    case expenseCategories, expenseCategoryCreate
    case moneyAccounts, moneyAccountCreate, moneyAccount, moneyAccountUpdate, moneyAccountEntries, transferCreate
    case profitAndLoss
    // Reports and live events
    case events, dashboard, reports, reportFile, reportTable
    // GST returns (issue 17 §4)
    case gstr1, gstr3b, gstr3bPDF, gstEInvoices
    // Assistant
    case assistantMessages, assistantSend, assistantParse, cardConfirm, cardCancel, cardEdit
    // Messaging
    case channels, channelCreate, channel, channelUpdate, channelDelete, channelTest
    case inboxSessions, inboxSession, inboxMessages, inboxReply, inboxBot, inboxRead, inboxMedia, simulatorMessages
    case twilioInbound, twilioStatus
    case whatsappTemplates, whatsappTemplateCreate, whatsappTemplateUpdate, whatsappTemplateDelete
    case whatsappTemplatesTwilio, whatsappTemplatePurposes
    case quickReplies, quickReplyCreate, quickReplyUpdate, quickReplyDelete
    case broadcasts, broadcastPreview, broadcastCreate, broadcast
    // Integrations
    case integrations, integrationSave, integrationRemove
    // Workflows
    case workflowCatalog, workflowValidate, workflowDraft, workflowTestData, workflows, workflowCreate, workflow, workflowReplace
    case workflowUpdate, workflowDelete, workflowVersions, workflowVersion, workflowActivate, workflowDeactivate, workflowStartRun
    case runs, run, runCancel, runRetry, runRestart, runApprove, runReject
    case workflowHook

    /// The prefix of the JSON API; `Public/js/api.js` adds it to the paths of `routes.js`.
    public static let apiPrefix = "/api/v1"

    /// HTTP method (upper case) and path pattern.
    public var spec: (method: String, path: String) {
        let a = Self.apiPrefix
        switch self {
        case .health: return ("GET", "/health")
        case .ready: return ("GET", "/ready")
        case .metrics: return ("GET", "/metrics")
        case .docs: return ("GET", "/docs")
        case .openAPI: return ("GET", a + "/openapi.json")
        case .deadJobs: return ("GET", a + "/ops/dead-jobs")
        case .deadJobRetry: return ("POST", a + "/ops/dead-jobs/{id}/retry")
        case .deadJobDiscard: return ("DELETE", a + "/ops/dead-jobs/{id}")

        case .signup: return ("POST", a + "/auth/signup")
        case .login: return ("POST", a + "/auth/login")
        case .recoveryOptions: return ("GET", a + "/auth/recovery-options")
        case .forgotPassword: return ("POST", a + "/auth/forgot-password")
        case .resetPassword: return ("POST", a + "/auth/reset-password")
        case .loginCode: return ("POST", a + "/auth/login-code")
        case .loginCodeVerify: return ("POST", a + "/auth/login-code/verify")
        case .logout: return ("POST", a + "/auth/logout")
        case .me: return ("GET", a + "/me")
        case .meUpdate: return ("PATCH", a + "/me")
        case .changePassword: return ("POST", a + "/me/password")
        case .business: return ("GET", a + "/business")
        case .businessUpdate: return ("PATCH", a + "/business")
        case .staff: return ("GET", a + "/staff")
        case .staffAdd: return ("POST", a + "/staff")
        case .staffRemove: return ("DELETE", a + "/staff/{id}")
        case .tokens: return ("GET", a + "/tokens")
        case .tokenCreate: return ("POST", a + "/tokens")
        case .tokenRevoke: return ("DELETE", a + "/tokens/{id}")

        case .customers: return ("GET", a + "/customers")
        case .customerCreate: return ("POST", a + "/customers")
        case .customer: return ("GET", a + "/customers/{id}")
        case .customerUpdate: return ("PATCH", a + "/customers/{id}")
        case .customerDelete: return ("DELETE", a + "/customers/{id}")
        case .customerStatement: return ("GET", a + "/customers/{id}/statement")
        case .debtorRemindersPreview: return ("GET", a + "/debtors/reminders")
        case .debtorReminders: return ("POST", a + "/debtors/reminders")
        case .customerStatementSend: return ("POST", a + "/customers/{id}/statement/send")
        case .customerReminders: return ("POST", a + "/customers/{id}/reminders")
        case .products: return ("GET", a + "/products")
        case .productCreate: return ("POST", a + "/products")
        case .product: return ("GET", a + "/products/{id}")
        case .productUpdate: return ("PATCH", a + "/products/{id}")
        case .productDelete: return ("DELETE", a + "/products/{id}")
        case .productRestock: return ("POST", a + "/products/{id}/restock")
        case .productMovements: return ("GET", a + "/products/{id}/movements")
        case .invoices: return ("GET", a + "/invoices")
        case .invoiceCreate: return ("POST", a + "/invoices")
        case .invoice: return ("GET", a + "/invoices/{id}")
        case .invoiceUpdate: return ("PATCH", a + "/invoices/{id}")
        case .invoiceDelete: return ("DELETE", a + "/invoices/{id}")
        case .invoiceIssue: return ("POST", a + "/invoices/{id}/issue")
        case .invoiceVoid: return ("POST", a + "/invoices/{id}/void")
        case .invoicePDF: return ("GET", a + "/invoices/{id}/pdf")
        case .invoiceShare: return ("GET", a + "/invoices/{id}/share")
        case .invoiceCreditNotes: return ("GET", a + "/invoices/{id}/credit-notes")
        case .creditNoteCreate: return ("POST", a + "/invoices/{id}/credit-notes")
        case .creditNote: return ("GET", a + "/credit-notes/{id}")
        case .creditNotePDF: return ("GET", a + "/credit-notes/{id}/pdf")
        case .invoiceEInvoice: return ("GET", a + "/invoices/{id}/einvoice")
        case .invoiceSend: return ("POST", a + "/invoices/{id}/send")
        case .payments: return ("GET", a + "/payments")
        case .paymentCreate: return ("POST", a + "/payments")
        case .payment: return ("GET", a + "/payments/{id}")
        case .paymentSend: return ("POST", a + "/payments/{id}/send")
        case .publicInvoicePDF: return ("GET", "/p/invoices/{file}")
        case .publicStatementPDF: return ("GET", "/p/statements/{file}")

        case .suppliers: return ("GET", a + "/suppliers")
        case .supplierCreate: return ("POST", a + "/suppliers")
        case .supplier: return ("GET", a + "/suppliers/{id}")
        case .supplierUpdate: return ("PATCH", a + "/suppliers/{id}")
        case .supplierStatement: return ("GET", a + "/suppliers/{id}/statement")
        case .purchases: return ("GET", a + "/purchases")
        case .purchaseCreate: return ("POST", a + "/purchases")
        case .purchase: return ("GET", a + "/purchases/{id}")
        case .purchaseVoid: return ("POST", a + "/purchases/{id}/void")
        case .supplierPayments: return ("GET", a + "/supplier-payments")
        case .supplierPaymentCreate: return ("POST", a + "/supplier-payments")
        case .supplierPayment: return ("GET", a + "/supplier-payments/{id}")
        case .expenses: return ("GET", a + "/expenses")
        case .expenseCreate: return ("POST", a + "/expenses")
        case .expense: return ("GET", a + "/expenses/{id}")
        case .expenseDelete: return ("DELETE", a + "/expenses/{id}")
        case .expenseReceipt: return ("GET", a + "/expenses/{id}/receipt")
        case .expenseReceiptPut: return ("PUT", a + "/expenses/{id}/receipt")
        case .expenseReceiptDelete: return ("DELETE", a + "/expenses/{id}/receipt")
        case .expenseCategories: return ("GET", a + "/expense-categories")
        case .expenseCategoryCreate: return ("POST", a + "/expense-categories")
        case .moneyAccounts: return ("GET", a + "/accounts")
        case .moneyAccountCreate: return ("POST", a + "/accounts")
        case .moneyAccount: return ("GET", a + "/accounts/{id}")
        case .moneyAccountUpdate: return ("PATCH", a + "/accounts/{id}")
        case .moneyAccountEntries: return ("GET", a + "/accounts/{id}/entries")
        case .transferCreate: return ("POST", a + "/transfers")
        case .profitAndLoss: return ("GET", a + "/reports/profit-and-loss")

        case .events: return ("GET", a + "/events")
        case .dashboard: return ("GET", a + "/dashboard")
        case .reports: return ("GET", a + "/reports")
        case .reportFile: return ("GET", a + "/reports/{file}")
        case .reportTable: return ("GET", a + "/reports/table/{report}")
        case .gstr1: return ("GET", a + "/gst/gstr1")
        case .gstr3b: return ("GET", a + "/gst/gstr3b")
        case .gstr3bPDF: return ("GET", a + "/gst/gstr3b.pdf")
        case .gstEInvoices: return ("GET", a + "/gst/einvoices")

        case .assistantMessages: return ("GET", a + "/assistant/messages")
        case .assistantSend: return ("POST", a + "/assistant/messages")
        case .assistantParse: return ("POST", a + "/assistant/parse")
        case .cardConfirm: return ("POST", a + "/assistant/cards/{id}/confirm")
        case .cardCancel: return ("POST", a + "/assistant/cards/{id}/cancel")
        case .cardEdit: return ("POST", a + "/assistant/cards/{id}/edit")

        case .channels: return ("GET", a + "/channels")
        case .channelCreate: return ("POST", a + "/channels")
        case .channel: return ("GET", a + "/channels/{id}")
        case .channelUpdate: return ("PATCH", a + "/channels/{id}")
        case .channelDelete: return ("DELETE", a + "/channels/{id}")
        case .channelTest: return ("POST", a + "/channels/{id}/test")
        case .whatsappTemplates: return ("GET", a + "/whatsapp/templates")
        case .whatsappTemplateCreate: return ("POST", a + "/whatsapp/templates")
        case .whatsappTemplateUpdate: return ("PATCH", a + "/whatsapp/templates/{id}")
        case .whatsappTemplateDelete: return ("DELETE", a + "/whatsapp/templates/{id}")
        case .whatsappTemplatesTwilio: return ("GET", a + "/whatsapp/templates/twilio")
        case .whatsappTemplatePurposes: return ("GET", a + "/whatsapp/template-purposes")
        case .quickReplies: return ("GET", a + "/quick-replies")
        case .quickReplyCreate: return ("POST", a + "/quick-replies")
        case .quickReplyUpdate: return ("PATCH", a + "/quick-replies/{id}")
        case .quickReplyDelete: return ("DELETE", a + "/quick-replies/{id}")
        case .broadcasts: return ("GET", a + "/broadcasts")
        case .broadcastPreview: return ("POST", a + "/broadcasts/preview")
        case .broadcastCreate: return ("POST", a + "/broadcasts")
        case .broadcast: return ("GET", a + "/broadcasts/{id}")
        case .inboxSessions: return ("GET", a + "/inbox/sessions")
        case .inboxSession: return ("GET", a + "/inbox/sessions/{id}")
        case .inboxMessages: return ("GET", a + "/inbox/sessions/{id}/messages")
        case .inboxReply: return ("POST", a + "/inbox/sessions/{id}/messages")
        case .inboxBot: return ("POST", a + "/inbox/sessions/{id}/bot")
        case .inboxRead: return ("POST", a + "/inbox/sessions/{id}/read")
        case .inboxMedia: return ("GET", a + "/inbox/messages/{id}/media/{index}")
        case .simulatorMessages: return ("POST", a + "/simulator/messages")
        case .twilioInbound: return ("POST", "/webhooks/twilio/{channel_id}")
        case .twilioStatus: return ("POST", "/webhooks/twilio/{channel_id}/status")

        case .integrations: return ("GET", a + "/integrations")
        case .integrationSave: return ("PUT", a + "/integrations/{provider}")
        case .integrationRemove: return ("DELETE", a + "/integrations/{provider}")

        case .workflowCatalog: return ("GET", a + "/workflows/catalog")
        case .workflowValidate: return ("POST", a + "/workflows/validate")
        case .workflowDraft: return ("POST", a + "/workflows/draft")
        case .workflowTestData: return ("POST", a + "/workflows/test-data")
        case .workflows: return ("GET", a + "/workflows")
        case .workflowCreate: return ("POST", a + "/workflows")
        case .workflow: return ("GET", a + "/workflows/{id}")
        case .workflowReplace: return ("PUT", a + "/workflows/{id}")
        case .workflowUpdate: return ("PATCH", a + "/workflows/{id}")
        case .workflowDelete: return ("DELETE", a + "/workflows/{id}")
        case .workflowVersions: return ("GET", a + "/workflows/{id}/versions")
        case .workflowVersion: return ("GET", a + "/workflows/{id}/versions/{n}")
        case .workflowActivate: return ("POST", a + "/workflows/{id}/activate")
        case .workflowDeactivate: return ("POST", a + "/workflows/{id}/deactivate")
        case .workflowStartRun: return ("POST", a + "/workflows/{id}/runs")
        case .runs: return ("GET", a + "/runs")
        case .run: return ("GET", a + "/runs/{id}")
        case .runCancel: return ("POST", a + "/runs/{id}/cancel")
        case .runRetry: return ("POST", a + "/runs/{id}/retry")
        case .runRestart: return ("POST", a + "/runs/{id}/restart")
        case .runApprove: return ("POST", a + "/runs/{id}/approve")
        case .runReject: return ("POST", a + "/runs/{id}/reject")
        case .workflowHook: return ("POST", "/hooks/{public_id}")
        }
    }

    public var method: String { spec.method }
    /// The path pattern, e.g. `/api/v1/customers/{id}`.
    public var pattern: String { spec.path }

    /// In the OpenAPI document. Not: the HTML page, and the provider- and customer-facing URLs
    /// whose callers are Twilio, a workflow's webhook sender and a customer's browser.
    public var documented: Bool {
        switch self {
        case .docs, .twilioInbound, .twilioStatus, .workflowHook, .publicInvoicePDF, .publicStatementPDF: return false
        default: return true
        }
    }

    /// The placeholder names in the pattern, in order.
    public var parameters: [String] {
        Self.segments(pattern).compactMap { Self.placeholder($0) }
    }

    /// The path with its placeholders filled in order, each value percent-encoded as one segment:
    /// `Endpoint.invoicePDF.path(id)` → `/api/v1/invoices/…/pdf`. Missing values leave the
    /// placeholder empty (a test builds every endpoint with its parameters).
    public func path(_ values: any CustomStringConvertible...) -> String { fill(values) }

    /// An absolute URL under `base` (the public base URL, no trailing slash), with an optional
    /// query already encoded by the caller.
    public func url(base: String, _ values: any CustomStringConvertible..., query: String? = nil) -> String {
        base + fill(values) + (query.map { "?" + $0 } ?? "")
    }

    func fill(_ values: [any CustomStringConvertible]) -> String {
        var next = values.makeIterator()
        let parts = Self.segments(pattern).map { segment -> String in
            guard Self.placeholder(segment) != nil else { return segment }
            let value = next.next().map { Self.describe($0) } ?? ""
            return value.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? ""
        }
        return "/" + parts.joined(separator: "/")
    }

    /// UUIDs in links are lower case, as Munim writes them everywhere.
    static func describe(_ value: any CustomStringConvertible) -> String {
        if let id = value as? UUID { return id.uuidString.lowercased() }
        return value.description
    }

    static func segments(_ pattern: String) -> [String] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    static func placeholder(_ segment: String) -> String? {
        guard segment.count > 2, segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
        return String(segment.dropFirst().dropLast())
    }

    /// RFC 3986 unreserved characters plus the sub-delimiters that need no escaping in a segment.
    static let segmentCharacters: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        set.insert(charactersIn: "!$&'()*+,;=:@")
        return set
    }()

    /// The pattern relative to the API prefix, for `routes.js` (`/customers/{id}`), or the whole
    /// path for routes outside the API.
    public var clientPattern: String {
        pattern.hasPrefix(Self.apiPrefix + "/") ? String(pattern.dropFirst(Self.apiPrefix.count)) : pattern
    }

    /// `Public/js/routes.js`, generated from this table (`munim routes-js`).
    public static var javascript: String {
        var out = """
            // Generated from Sources/App/Core/Endpoints.swift by `scripts/gen-routes` — do not edit.
            // Every route the server serves: method and path. API paths are relative to /api/v1
            // (api.js adds the prefix); `path(name, ...values)` fills the {placeholders} in order.

            export const API_PREFIX = '\(apiPrefix)';

            export const ROUTES = Object.freeze({

            """
        for e in allCases {
            let api = e.pattern.hasPrefix(apiPrefix + "/")
            out += "  \(e.rawValue): Object.freeze({ method: '\(e.method)', path: '\(e.clientPattern)', api: \(api) }),\n"
        }
        out += """
            });

            /** The path of route `name` with its {placeholders} filled in order, each value encoded. */
            export function path(name, ...values) {
              const route = ROUTES[name];
              if (!route) throw new Error(`Unknown route: ${name}`);
              let i = 0;
              return route.path.replace(/\\{[a-z_]+\\}/g, () => {
                const v = values[i++];
                return encodeURIComponent(v === undefined || v === null ? '' : String(v));
              });
            }

            /** The absolute path (with /api/v1 for API routes), for links and EventSource. */
            export function href(name, ...values) {
              return (ROUTES[name] && ROUTES[name].api ? API_PREFIX : '') + path(name, ...values);
            }

            """
        return out
    }
}
