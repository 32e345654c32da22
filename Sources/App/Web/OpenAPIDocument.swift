import AssistantNLU
import Vapor

enum IntentNames {
    static var all: [String] { IntentName.allCases.map(\.rawValue) }
}

/// The OpenAPI 3.1 document served at `/api/v1/openapi.json`. Written by hand from the DTOs; a
/// test fails when a registered `/api/v1` route is missing here.
enum OpenAPIDocument {
    // MARK: schema helpers

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    /// Text: no control characters but tab, newline and carriage return (RequestHygiene refuses them).
    static let textPattern: JSONValue = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    static let string: JSONValue = ["type": "string", "pattern": textPattern]
    static func text(_ min: Int64, _ max: Int64) -> JSONValue { ["type": "string", "minLength": .int(min), "maxLength": .int(max), "pattern": textPattern] }
    static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    static let date: JSONValue = ["type": "string", "format": "date"]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    /// Largest amount the API takes: ₹1,000 crore in paise (issue 14; `Bounds.maxAmount`).
    static let maxPaise: Int64 = 100_000_000_000
    /// Largest quantity, in the product's unit (`Bounds.maxQuantityUnits`).
    static let maxQuantity: Int64 = 1_000_000_000
    /// A money input or a single price: integer paise from 0 to ₹1,000 crore.
    static let paise: JSONValue = ["type": "integer", "format": "int64", "minimum": 0, "maximum": .int(maxPaise),
                                   "description": "Money in paise (₹1 = 100), at most ₹1,000 crore."]
    /// A payment: integer paise from 1 paisa to ₹1,000 crore.
    static let positivePaise: JSONValue = ["type": "integer", "format": "int64", "minimum": 1, "maximum": .int(maxPaise),
                                           "description": "Money in paise (₹1 = 100), more than 0, at most ₹1,000 crore."]
    /// A computed sum (totals, taxes): integer paise, never negative.
    static let paiseSum: JSONValue = ["type": "integer", "format": "int64", "minimum": 0, "description": "Money in paise (₹1 = 100)."]
    /// A balance: integer paise, negative for credit.
    static let signedPaise: JSONValue = ["type": "integer", "format": "int64", "description": "Money in paise (₹1 = 100); negative: credit."]
    static let quantity: JSONValue = ["type": "number", "minimum": 0, "maximum": .int(maxQuantity), "multipleOf": .double(0.001),
                                      "description": "Quantity in the product's unit, at most 3 decimals."]
    /// A quantity that must be more than zero (invoice lines, restocks).
    static let positiveQuantity: JSONValue = ["type": "number", "exclusiveMinimum": 0, "maximum": .int(maxQuantity), "multipleOf": .double(0.001),
                                              "description": "Quantity in the product's unit, more than 0, at most 3 decimals."]
    /// A stock change: negative when stock went out.
    static let signedQuantity: JSONValue = ["type": "number", "minimum": .int(-maxQuantity), "maximum": .int(maxQuantity), "multipleOf": .double(0.001),
                                            "description": "Change in the product's unit, at most 3 decimals; negative: out."]
    /// GST percent, e.g. 18 or 0.25.
    static let gstRate: JSONValue = ["type": ["number", "null"], "minimum": 0, "maximum": 40, "multipleOf": .double(0.01),
                                     "description": "GST percent, 0–40, e.g. 18"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let integer: JSONValue = ["type": "integer"]
    static func nullable(_ s: JSONValue) -> JSONValue {
        guard case .object(var o) = s, case .string(let t)? = o["type"] else { return ["anyOf": [s, ["type": "null"]]] }
        o["type"] = [.string(t), "null"]
        return .object(o)
    }
    static func enumeration(_ values: [String]) -> JSONValue { ["type": "string", "enum": .array(values.map { .string($0) })] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static func object(_ props: [String: JSONValue], required: [String] = []) -> JSONValue {
        var o: [String: JSONValue] = ["type": "object", "properties": .object(props), "propertyNames": ["pattern": textPattern]]
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        return .object(o)
    }
    static func page(_ item: String) -> JSONValue {
        object(["items": array(ref(item)), "next_cursor": nullable(string)], required: ["items", "next_cursor"])
    }

    static let paymentModes = PaymentMode.allCases.map(\.rawValue)

    static var schemas: [String: JSONValue] {
        var all = baseSchemas.merging(messagingSchemas) { a, _ in a }.merging(workflowSchemas) { a, _ in a }.merging(booksSchemas) { a, _ in a }
        // PATCH bodies carry only the fields that change.
        for (patch, input) in [("CustomerPatch", "CustomerInput"), ("ProductPatch", "ProductInput")] {
            if case .object(var o)? = all[input] { o["required"] = nil; all[patch] = .object(o) }
        }
        return all
    }

    static var baseSchemas: [String: JSONValue] {
        [
            "Error": object(["error": object(["code": string, "message": string, "details": ["type": ["object", "null"]]], required: ["code", "message"])], required: ["error"]),
            "User": object(["id": uuid, "email": string, "name": string, "role": enumeration(["owner", "staff"]), "must_change_password": boolean,
                             "language": enumeration(["en", "hi"]), "language_chosen": boolean]),
            "MePatch": object(["language": ["type": ["string", "null"], "enum": ["en", "hi", .null], "description": "The web app's language; null follows the business's preferred language."]]),
            "Business": object([
                "id": uuid, "business_name": string, "owner_name": string, "gstin": nullable(string), "industry": nullable(string),
                "preferred_language": string, "whatsapp_number": nullable(string), "state": nullable(string), "address": nullable(string),
                "timezone": string, "currency": string, "upi_id": nullable(string), "hours": nullable(string),
                "gst_registration": enumeration(GSTRegistration.allCases.map(\.rawValue)), "hsn_digits": ["type": ["integer", "null"], "enum": [4, 6, 8, .null]],
                "round_off": boolean, "created_at": dateTime]),
            "BusinessPatch": object([
                "business_name": string, "owner_name": string, "gstin": nullable(string), "industry": nullable(string),
                "preferred_language": enumeration(Validate.languages.keys.sorted()), "whatsapp_number": nullable(string),
                "state": nullable(string), "address": nullable(string), "timezone": string, "currency": string,
                "gst_registration": ["type": "string", "enum": .array(GSTRegistration.allCases.map { .string($0.rawValue) }),
                                     "description": "regular: tax invoices with GST; composition or unregistered: bills of supply, no GST charged"],
                "hsn_digits": ["type": ["integer", "null"], "enum": [4, 6, 8, .null],
                               "description": "The fewest HSN/SAC digits each taxed invoice line must carry: 4 up to ₹5 crore turnover, 6 above; null: not required."],
                "round_off": ["type": "boolean", "description": "Round invoice totals to the rupee with a printed round-off line."],
                "upi_id": ["type": ["string", "null"], "description": "UPI ID for the invoice QR code, e.g. patelstores@okhdfcbank"],
                "hours": ["type": ["string", "null"], "description": "Business hours as text; the customer bot quotes them."]]),
            "Session": object(["csrf_token": nullable(string), "user": ref("User"), "business": ref("Business")]),
            "Signup": object(["email": ["type": "string", "format": "email", "maxLength": 254], "password": ["type": "string", "minLength": 10, "maxLength": 200, "pattern": textPattern],
                              "business_name": text(1, 200), "owner_name": text(1, 200)],
                             required: ["email", "password", "business_name", "owner_name"]),
            "Login": object(["email": string, "password": string], required: ["email", "password"]),
            "RecoveryOptions": object(["email": boolean, "whatsapp": boolean, "command": string], required: ["email", "whatsapp", "command"]),
            "ForgotPassword": object(["email": ["type": "string", "format": "email", "maxLength": 254]], required: ["email"]),
            "RecoveryAccepted": object(["status": enumeration(["accepted"]), "message": string, "expires_in_minutes": integer],
                                       required: ["status", "message", "expires_in_minutes"]),
            "ResetPassword": object(["email": string, "code": ["type": "string", "description": "The six digits sent on WhatsApp or by email."],
                                     "new_password": ["type": "string", "minLength": 10, "maxLength": 200]],
                                    required: ["email", "code", "new_password"]),
            "LoginCodeVerify": object(["email": string, "code": ["type": "string", "description": "The six digits sent on WhatsApp."]],
                                      required: ["email", "code"]),
            "RecoveryDone": object(["status": enumeration(["password_changed"]), "message": string], required: ["status", "message"]),
            "PasswordChange": object(["current_password": string, "new_password": ["type": "string", "minLength": 10]], required: ["current_password", "new_password"]),
            "StaffMember": object(["id": uuid, "email": string, "name": string, "role": enumeration(["owner", "staff"]), "must_change_password": boolean, "created_at": dateTime]),
            "StaffCreate": object(["email": string, "name": string, "whatsapp_number": ["type": ["string", "null"], "description": "Messages from this number reach the assistant."]], required: ["email", "name"]),
            "StaffCreated": object(["member": ref("StaffMember"), "one_time_password": string]),
            "Token": object(["id": uuid, "name": string, "prefix": string, "created_at": dateTime, "last_used_at": nullable(dateTime)]),
            "TokenCreate": object(["name": string], required: ["name"]),
            "TokenCreated": object(["id": uuid, "name": string, "prefix": string, "token": ["type": "string", "description": "Shown only once."], "created_at": dateTime]),
            "Customer": object([
                "id": uuid, "name": string, "phone": nullable(string), "email": nullable(string), "address": nullable(string),
                "state": nullable(string), "gstin": nullable(string), "notes": nullable(string), "tags": array(string),
                "balance": ["type": "integer", "format": "int64", "description": "Paise; positive: the customer owes; negative: credit."],
                "archived": boolean, "created_at": dateTime, "updated_at": dateTime]),
            "CustomerInput": object([
                "name": string, "phone": ["type": ["string", "null"], "description": "E.164, e.g. +919812345678"], "email": nullable(string),
                "address": nullable(string), "state": ["type": ["string", "null"], "description": "A state's name or two-digit GST code; a GSTIN gives it."],
                "gstin": ["type": ["string", "null"], "description": "A registered buyer's 15-character GSTIN (check character validated); its first two digits must be the state."],
                "notes": nullable(string),
                "tags": ["type": ["array", "null"], "items": ["type": "string", "maxLength": 30], "maxItems": 10,
                         "description": "Words to group customers by (wholesale, regular…): lowercased; letters, digits, spaces, - or _; a broadcast can go to one tag. null clears."],
                "archived": boolean], required: ["name"]),
            "Product": object([
                "id": uuid, "name": string, "unit": string, "sku": nullable(string), "price": paise, "stock": quantity,
                "low_stock_threshold": quantity, "low_stock": boolean, "hsn": nullable(string),
                "gst_rate": gstRate, "average_cost": ["type": "integer", "format": "int64", "minimum": 0, "description": "Weighted average cost per unit in paise, GST excluded."],
                "price_includes_gst": boolean, "archived": boolean,
                "created_at": dateTime, "updated_at": dateTime]),
            "ProductInput": object([
                "name": string, "unit": string, "sku": nullable(string), "price": paise, "stock": quantity,
                "stock_reason": ["type": "string", "description": "PATCH only: reason recorded with a stock adjustment."],
                "low_stock_threshold": quantity, "hsn": nullable(string), "gst_rate": gstRate, "archived": boolean,
                "price_includes_gst": ["type": "boolean", "description": "Whether price includes GST; default true on create (shops quote inclusive prices)."],
                "average_cost": ["type": "integer", "format": "int64", "minimum": 0, "maximum": .int(maxPaise), "description": "Create only: what a unit of the opening stock cost (paise, GST excluded)."]],
                required: ["name", "price"]),
            "Restock": object(["quantity": positiveQuantity, "reason": nullable(string)], required: ["quantity"]),
            "Movement": object([
                "id": uuid, "delta": signedQuantity, "kind": enumeration(MovementKind.allCases.map(\.rawValue)), "reason": string,
                "invoice_id": nullable(uuid), "user_id": nullable(uuid), "purchase_id": nullable(uuid),
                "unit_cost": ["type": ["integer", "null"], "format": "int64", "description": "Cost per unit in force (paise)."],
                "stock_after": quantity, "created_at": dateTime]),
            "InvoiceItem": object([
                "id": uuid, "product_id": nullable(uuid), "description": string, "quantity": quantity, "unit": string,
                "unit_price": paise, "discount": paise, "gst_rate": gstRate, "hsn": nullable(string),
                "taxable": paiseSum, "tax": paiseSum, "total": paiseSum,
                "taxable_value": paiseSum, "cgst": paiseSum, "sgst": paiseSum, "igst": paiseSum, "price_includes_gst": boolean]),
            "InvoiceLineInput": object([
                "product_id": nullable(uuid), "description": nullable(string), "quantity": positiveQuantity, "unit_price": paise,
                "discount": paise, "gst_rate": gstRate, "unit": nullable(string), "hsn": nullable(string),
                "price_includes_gst": ["type": "boolean", "description": "Whether unit_price and discount include GST; default: the product's setting (false without a product)."]],
                required: ["quantity"]),
            "UpfrontPayment": object(["amount": positivePaise, "mode": enumeration(paymentModes), "reference": nullable(string),
                                      "account_id": ["type": ["string", "null"], "format": "uuid", "description": "The account it went into; default: the mode's."]],
                                     required: ["amount", "mode"]),
            "InvoiceInput": object([
                "customer_id": uuid, "issue_date": date, "due_date": nullable(date), "notes": nullable(string),
                "place_of_supply": ["type": ["string", "null"], "description": "A state's name or two-digit code; default: the customer's state, else the business's. IGST when it is not the business's state."],
                "items": array(ref("InvoiceLineInput")),
                "issue": ["type": "boolean", "description": "Create and issue in one transaction."],
                "payment": ref("UpfrontPayment")], required: ["customer_id", "items"]),
            "Invoice": object([
                "id": uuid, "number": nullable(string), "status": enumeration(InvoiceStatus.allCases.map(\.rawValue)),
                "customer": object(["id": uuid, "name": string, "phone": nullable(string), "gstin": nullable(string)]),
                "issue_date": date, "due_date": nullable(date), "notes": nullable(string),
                "place_of_supply": nullable(string), "place_of_supply_code": nullable(string), "inter_state": boolean,
                "items": array(ref("InvoiceItem")),
                "subtotal": paiseSum, "discount_total": paiseSum, "tax_total": paiseSum,
                "cgst": paiseSum, "sgst": paiseSum, "igst": paiseSum, "total": paiseSum, "amount_paid": paiseSum, "balance_due": signedPaise,
                "credited": paiseSum,
                "round_off": ["type": "integer", "format": "int64", "minimum": -50, "maximum": 50, "description": "Paise the total was rounded by (included in total)."],
                "payments": array(object(["payment_id": uuid, "amount": paise, "paid_on": date, "mode": enumeration(paymentModes), "reference": nullable(string)])),
                "credit_notes": array(object(["id": uuid, "number": string, "issue_date": date, "total": paiseSum])),
                "issued_at": nullable(dateTime), "voided_at": nullable(dateTime), "void_reason": nullable(string),
                "created_at": dateTime, "updated_at": dateTime]),
            "Issue": object(["payment": ref("UpfrontPayment")]),
            "Void": object(["reason": nullable(string)]),
            "Payment": object([
                "id": uuid, "customer": object(["id": uuid, "name": string]), "amount": paise, "mode": enumeration(paymentModes),
                "reference": nullable(string), "paid_on": date, "notes": nullable(string),
                "unallocated": ["type": "integer", "format": "int64", "minimum": 0, "maximum": .int(maxPaise), "description": "Paise held as the customer's credit."],
                "allocations": array(object(["invoice_id": uuid, "invoice_number": nullable(string), "amount": paise])),
                "account_id": nullable(uuid), "created_at": dateTime]),
            "PaymentInput": object([
                "customer_id": uuid, "amount": positivePaise, "mode": enumeration(paymentModes), "reference": nullable(string),
                "paid_on": date, "invoice_id": nullable(uuid), "notes": nullable(string),
                "account_id": ["type": ["string", "null"], "format": "uuid", "description": "The cash, bank or UPI account it went into; default: the mode's."]],
                required: ["customer_id", "amount", "mode"]),
            "Deletion": object(["deleted": boolean, "archived": boolean]),
            "Statement": object([
                "customer": ref("Customer"), "from": nullable(date), "to": nullable(date), "opening_balance": signedPaise, "closing_balance": signedPaise,
                "entries": array(object([
                    "date": date, "kind": enumeration(["invoice", "payment", "void"]), "reference": string, "description": string,
                    "debit": paiseSum, "credit": paiseSum, "balance": signedPaise, "invoice_id": nullable(uuid), "payment_id": nullable(uuid)]))]),
            "CreditNoteLineInput": object([
                "product_id": ["type": ["string", "null"], "format": "uuid", "description": "A product on the invoice (its lines in order)."],
                "item_id": ["type": ["string", "null"], "format": "uuid", "description": "Or one invoice line."],
                "quantity": positiveQuantity], required: ["quantity"]),
            "CreditNoteInput": object([
                "items": array(ref("CreditNoteLineInput")), "reason": nullable(string),
                "issue_date": ["type": ["string", "null"], "format": "date", "description": "Default: today; not before the invoice's date."]],
                required: ["items"]),
            "CreditNoteItem": object([
                "id": uuid, "invoice_item_id": uuid, "product_id": nullable(uuid), "description": string, "quantity": quantity, "unit": string,
                "unit_price": paise, "gst_rate": gstRate, "hsn": nullable(string), "taxable_value": paiseSum,
                "cgst": paiseSum, "sgst": paiseSum, "igst": paiseSum, "total": paiseSum]),
            "CreditNote": object([
                "id": uuid, "number": string, "invoice_id": uuid, "invoice_number": string, "customer": object(["id": uuid, "name": string]),
                "issue_date": date, "reason": nullable(string), "place_of_supply": nullable(string), "items": array(ref("CreditNoteItem")),
                "taxable_value": paiseSum, "cgst": paiseSum, "sgst": paiseSum, "igst": paiseSum, "tax_total": paiseSum,
                "round_off": ["type": "integer", "format": "int64", "minimum": -50, "maximum": 50], "total": paiseSum,
                "created_at": dateTime]),
            "CreditNotePage": page("CreditNote"),
            "EInvoice": ["type": "object", "required": ["Version", "TranDtls", "DocDtls", "SellerDtls", "BuyerDtls", "ItemList", "ValDtls"],
                         "description": "INV-01 version 1.1: see docs/schemas/einvoice.schema.json."],
            "CustomerPage": page("Customer"), "ProductPage": page("Product"), "InvoicePage": page("Invoice"),
            "PaymentPage": page("Payment"), "MovementPage": page("Movement"),
            "StaffList": object(["items": array(ref("StaffMember"))]),
            "TokenList": object(["items": array(ref("Token"))]),
            "Card": object([
                "id": uuid, "kind": string, "status": enumeration(["pending", "confirmed", "cancelled", "info", "failed"]), "title": string,
                "data": ["type": "object", "description": "Kind-specific display data (see docs/api-contract.md)."],
                "actions": array(enumeration(["confirm", "cancel", "edit"])), "result": ["type": ["object", "null"]],
                "error": nullable(string), "created_at": dateTime, "updated_at": dateTime]),
            "AssistantMessage": object(["conversation_id": nullable(uuid), "text": string], required: ["text"]),
            "AssistantAudio": object(["audio": ["type": "string", "format": "binary", "description": "webm, ogg, mp3, wav or m4a, up to 10 MB"],
                                      "conversation_id": uuid], required: ["audio"]),
            "AssistantReply": object([
                "conversation_id": uuid, "reply": string, "card": ["anyOf": [ref("Card"), ["type": "null"]]],
                "pending": ["anyOf": [object(["intent": string, "missing": array(string)]), ["type": "null"]]],
                "engine": enumeration(["offline", "llm"]), "transcript": nullable(string)]),
            "AssistantHistory": object(["conversation_id": nullable(uuid), "turns": array(object([
                "id": uuid, "role": enumeration(["user", "assistant"]), "text": string,
                "card": ["anyOf": [ref("Card"), ["type": "null"]]], "engine": nullable(string), "created_at": dateTime]))]),
            "ParseRequest": object(["text": text(1, 2000)], required: ["text"]),
            "ParsedIntent": object([
                "intent": enumeration(IntentNames.all), "confidence": ["type": "number", "minimum": 0, "maximum": 1],
                "entities": ["type": "object", "description": "Every entity key of the intent; absent values are null. Money in paise."],
                "missing": array(string), "engine": enumeration(["offline", "llm"])], required: ["intent", "confidence", "entities", "missing", "engine"]),
            "CardAction": object(["card": ref("Card"), "reply": string, "follow_up": ["anyOf": [ref("Card"), ["type": "null"]]]]),
            "CardEdit": ["type": "object", "description": "The changed fields of the card (see docs/api-contract.md)."],
            "Dashboard": ["type": "object", "description": "Sales, collections, debtors, low stock, a 30-day series, recent activity, messages per platform and workflow runs (see docs/api-contract.md)."],
            "ReportTable": object([
                "id": string, "title": string, "from": nullable(date), "to": nullable(date), "as_of": nullable(date), "customer_name": nullable(string),
                "columns": array(object(["name": string, "type": enumeration(["text", "money", "quantity", "int", "date"])])),
                "rows": array(["type": "array", "description": "Cells in column order: money in paise, quantities as numbers, dates YYYY-MM-DD, null when empty"]),
                "totals": array(["type": "array", "description": "Totals rows, in the same shape as rows; they stay at the foot whatever the order"]),
                "total_rows": integer, "offset": integer, "limit": integer, "sort": nullable(integer), "order": enumeration(["asc", "desc"]),
                "sortable": boolean]),
            "ReportList": object(["items": array(object(["id": string, "title": string, "description": string, "formats": array(string), "period": boolean]))]),
            "DeadJob": object([
                "id": uuid, "kind": string,
                "status": ["type": "string", "enum": ["dead", "failed", "queued"], "description": "dead or failed in the list; queued once retried"],
                "subject": string, "subject_id": nullable(uuid), "attempts": integer, "max_attempts": integer,
                "last_error": nullable(string), "failed_at": dateTime],
                required: ["id", "kind", "status", "subject", "subject_id", "attempts", "max_attempts", "last_error", "failed_at"]),
            "DeadJobPage": page("DeadJob"),
            "Health": object(["status": string]),
            "Ready": object(["status": string, "database": string, "migrations": string]),
        ]
    }

    // MARK: operations

    struct Op {
        let endpoint: Endpoint
        let tag: String
        let summary: String
        var body: String? = nil
        var status: Int = 200
        var response: String? = nil
        var query: [(String, String)] = []
        var auth = true
        var idempotent = false
        /// Media types of a non-JSON success body (downloads).
        var produces: [String] = []

        init(_ endpoint: Endpoint, tag: String, summary: String, body: String? = nil, status: Int = 200, response: String? = nil,
             query: [(String, String)] = [], auth: Bool = true, idempotent: Bool = false, produces: [String] = []) {
            self.endpoint = endpoint
            self.tag = tag
            self.summary = summary
            self.body = body
            self.status = status
            self.response = response
            self.query = query
            self.auth = auth
            self.idempotent = idempotent
            self.produces = produces
        }

        /// Lower case, as OpenAPI keys operations.
        var method: String { endpoint.method.lowercased() }
        var path: String { endpoint.pattern }
    }

    static let listQuery: [(String, String)] = [("limit", "Page size, 1–200 (default 50)."), ("cursor", "next_cursor from the previous page; any other value is 400 invalid_cursor.")]

    static let reportFiles: [String] = ReportsController.catalog.flatMap { r in r.formats.map { "\(r.id).\($0)" } }
    static let pdf = "application/pdf", csv = "text/csv", xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// The schema of a query parameter, by its name (the same name means the same thing everywhere).
    static func querySchema(_ name: String) -> JSONValue {
        switch name {
        case "limit": return ["type": "integer", "minimum": 1, "maximum": 200, "default": 50]
        case "cursor": return ["type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9+/]*={0,2}$"]
        case "before", "after": return ["type": "string", "pattern": "^[0-9]{1,18}$"]
        case "from", "to": return date
        case "customer_id", "workflow_id", "conversation_id", "supplier_id": return uuid
        case "debtors", "archived", "low_stock", "unread", "active", "payable": return enumeration(["true", "false"])
        case "download": return enumeration(["1"])
        case "period": return ["type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"]
        case "sort": return ["type": "integer", "minimum": 0, "maximum": 63]
        case "order": return enumeration(["asc", "desc"])
        case "offset": return ["type": "integer", "minimum": 0, "maximum": 1_000_000]
        case "mode": return enumeration(paymentModes)
        case "platform": return enumeration(["whatsapp", "bluesky", "mastodon", "instagram", "simulator"])
        case "q": return string
        default: return string
        }
    }

    /// The schema of a path parameter, by its name.
    static func pathSchema(_ name: String) -> JSONValue {
        switch name {
        case "id": return uuid
        case "n": return ["type": "integer", "minimum": 1, "description": "Version number"]
        case "index": return ["type": "integer", "minimum": 0, "maximum": 9, "description": "The attachment's position in the message's media"]
        case "provider": return enumeration(IntegrationProvider.allCases.map(\.rawValue))
        case "file": return ["type": "string", "enum": .array(reportFiles.map { .string($0) }), "description": "{report id}.{csv|xlsx|pdf}"]
        case "report": return enumeration(ReportsController.catalog.map(\.id))
        default: return string
        }
    }

    static var operations: [Op] { baseOperations + booksOperations + messagingOperations + workflowOperations }

    static var baseOperations: [Op] {
        [
            Op(.health, tag: "Operations", summary: "Liveness", response: "Health", auth: false),
            Op(.ready, tag: "Operations", summary: "Readiness: database reachable and migrations current", response: "Ready", auth: false),
            Op(.metrics, tag: "Operations", summary: "Prometheus metrics (text format): HTTP by route and status, latency, job queue, runs, outbox, database pool", auth: false,
               produces: ["text/plain"]),
            Op(.openAPI, tag: "Operations", summary: "This document", auth: false, produces: ["application/json"]),

            Op(.deadJobs, tag: "Operations", summary: "Jobs that ran out of attempts (owner only), newest first",
               response: "DeadJobPage", query: listQuery),
            Op(.deadJobRetry, tag: "Operations", summary: "Queue a dead job again with fresh attempts (owner only)",
               response: "DeadJob"),
            Op(.deadJobDiscard, tag: "Operations", summary: "Discard a dead job (owner only)", status: 204),

            Op(.signup, tag: "Accounts", summary: "Create a user, a business and an owner membership; logs in", body: "Signup", status: 201, response: "Session", auth: false),
            Op(.login, tag: "Accounts", summary: "Log in (sets the session cookie; rate-limited per email and IP)", body: "Login", response: "Session", auth: false),
            Op(.recoveryOptions, tag: "Accounts", summary: "How a forgotten password can be recovered on this server (email, WhatsApp, the operator's command)",
               response: "RecoveryOptions", auth: false),
            Op(.forgotPassword, tag: "Accounts", summary: "Send a one-time code to the account's WhatsApp number or email; the same 202 whether or not the account exists",
               body: "ForgotPassword", status: 202, response: "RecoveryAccepted", auth: false),
            Op(.resetPassword, tag: "Accounts", summary: "Set a new password with the code (single use, 10 minutes, 5 tries); ends every session of the user",
               body: "ResetPassword", response: "RecoveryDone", auth: false),
            Op(.loginCode, tag: "Accounts",
               summary: "Send a sign-in code to the member's own WhatsApp number; the same 202 whether or not the account exists or can get one",
               body: "ForgotPassword", status: 202, response: "RecoveryAccepted", auth: false),
            Op(.loginCodeVerify, tag: "Accounts", summary: "Log in with the WhatsApp code (single use, 10 minutes, 5 tries; sets the session cookie)",
               body: "LoginCodeVerify", response: "Session", auth: false),
            Op(.logout, tag: "Accounts", summary: "Log out", status: 204),
            Op(.me, tag: "Accounts", summary: "The current user, business and CSRF token", response: "Session"),
            Op(.meUpdate, tag: "Accounts", summary: "Change your own settings: the web app's language", body: "MePatch", response: "Session"),
            Op(.changePassword, tag: "Accounts", summary: "Change the password (required after a one-time password)", body: "PasswordChange", status: 204),
            Op(.business, tag: "Accounts", summary: "Business settings", response: "Business"),
            Op(.businessUpdate, tag: "Accounts", summary: "Update business settings (owner only)", body: "BusinessPatch", response: "Business"),
            Op(.staff, tag: "Accounts", summary: "Members of the business", response: "StaffList"),
            Op(.staffAdd, tag: "Accounts", summary: "Add a staff member with a one-time password (owner only)", body: "StaffCreate", status: 201, response: "StaffCreated", idempotent: true),
            Op(.staffRemove, tag: "Accounts", summary: "Remove a staff member (owner only)", status: 204),
            Op(.tokens, tag: "Accounts", summary: "API tokens (owner only)", response: "TokenList"),
            Op(.tokenCreate, tag: "Accounts", summary: "Create an API token; the token is shown once", body: "TokenCreate", status: 201, response: "TokenCreated", idempotent: true),
            Op(.tokenRevoke, tag: "Accounts", summary: "Revoke an API token", status: 204),

            Op(.customers, tag: "Customers", summary: "List customers", response: "CustomerPage",
               query: listQuery + [("q", "Search name, phone or email."), ("debtors", "true: only customers who owe, largest first."), ("archived", "true: archived customers."), ("tag", "Only customers with this tag.")]),
            Op(.customerCreate, tag: "Customers", summary: "Create a customer", body: "CustomerInput", status: 201, response: "Customer", idempotent: true),
            Op(.customer, tag: "Customers", summary: "Get a customer", response: "Customer"),
            Op(.customerUpdate, tag: "Customers", summary: "Update a customer (fields given only)", body: "CustomerPatch", response: "Customer"),
            Op(.customerDelete, tag: "Customers", summary: "Delete, or archive when it has invoices or payments", response: "Deletion"),
            Op(.customerStatement, tag: "Customers", summary: "Account statement with running balance", response: "Statement",
               query: [("from", "YYYY-MM-DD"), ("to", "YYYY-MM-DD")]),

            Op(.products, tag: "Products", summary: "List products", response: "ProductPage",
               query: listQuery + [("q", "Search name or SKU."), ("low_stock", "true: stock at or below the threshold."), ("archived", "true: archived products.")]),
            Op(.productCreate, tag: "Products", summary: "Create a product (opening stock is recorded as a movement)", body: "ProductInput", status: 201, response: "Product", idempotent: true),
            Op(.product, tag: "Products", summary: "Get a product", response: "Product"),
            Op(.productUpdate, tag: "Products", summary: "Update a product; a new stock is recorded as an adjustment", body: "ProductPatch", response: "Product"),
            Op(.productDelete, tag: "Products", summary: "Delete, or archive when it has stock history", response: "Deletion"),
            Op(.productRestock, tag: "Products", summary: "Add stock", body: "Restock", response: "Product", idempotent: true),
            Op(.productMovements, tag: "Products", summary: "Stock movements, newest first", response: "MovementPage", query: listQuery),

            Op(.invoices, tag: "Invoices", summary: "List invoices", response: "InvoicePage",
               query: listQuery + [("status", "Comma-separated statuses."), ("customer_id", "Only this customer's."), ("from", "Issue date from, YYYY-MM-DD."), ("to", "Issue date to."), ("q", "Invoice number or customer name.")]),
            Op(.invoiceCreate, tag: "Invoices", summary: "Create a draft, or with issue=true create and issue in one transaction", body: "InvoiceInput", status: 201, response: "Invoice", idempotent: true),
            Op(.invoice, tag: "Invoices", summary: "Get an invoice with items and payments", response: "Invoice"),
            Op(.invoiceUpdate, tag: "Invoices", summary: "Edit a draft", body: "InvoiceInput", response: "Invoice"),
            Op(.invoiceDelete, tag: "Invoices", summary: "Delete a draft", status: 204),
            Op(.invoiceIssue, tag: "Invoices", summary: "Issue a draft: number, stock, balance and optional payment in one transaction", body: "Issue", response: "Invoice", idempotent: true),
            Op(.invoicePDF, tag: "Invoices",
               summary: "The invoice as an A4 PDF (GST split, amount in words, UPI QR when a UPI ID is set)", query: [("download", "1: as an attachment")],
               produces: [pdf]),
            Op(.invoiceVoid, tag: "Invoices", summary: "Void: stock returns, balance reverses, payments become credit", body: "Void", response: "Invoice", idempotent: true),
            Op(.invoiceCreditNotes, tag: "Invoices", summary: "The invoice's credit notes", response: "CreditNotePage"),
            Op(.creditNoteCreate, tag: "Invoices",
               summary: "A credit note for returned goods: its own number (CN-0001), stock back, the balance and the invoice's due reduced",
               body: "CreditNoteInput", status: 201, response: "CreditNote", idempotent: true),
            Op(.creditNote, tag: "Invoices", summary: "One credit note", response: "CreditNote"),
            Op(.invoiceEInvoice, tag: "Invoices",
               summary: "The invoice as e-invoice JSON (INV-01 1.1) for the portal's bulk tool; 409 einvoice_incomplete names what is missing",
               response: "EInvoice", query: [("download", "1: as an attachment")]),
            Op(.creditNotePDF, tag: "Invoices", summary: "The credit note as an A4 PDF", query: [("download", "1: as an attachment")], produces: [pdf]),

            Op(.payments, tag: "Payments", summary: "List payments", response: "PaymentPage",
               query: listQuery + [("customer_id", "Only this customer's."), ("mode", "cash, upi, card, bank, cheque or other."), ("from", "YYYY-MM-DD"), ("to", "YYYY-MM-DD")]),
            Op(.paymentCreate, tag: "Payments", summary: "Record a payment; allocated to the named invoice, then the oldest open ones; the rest is credit", body: "PaymentInput", status: 201, response: "Payment", idempotent: true),
            Op(.payment, tag: "Payments", summary: "Get a payment with its allocations", response: "Payment"),

            Op(.events, tag: "Reports",
               summary: "Server-Sent Events of the business: invoice.updated, payment.recorded, stock.updated; each data is {type, id, at, data}",
               produces: ["text/event-stream"]),
            Op(.dashboard, tag: "Reports", summary: "Dashboard figures, computed from the database", response: "Dashboard"),
            Op(.reports, tag: "Reports", summary: "Available exports", response: "ReportList"),
            Op(.reportFile, tag: "Reports",
               summary: "Download an export: {id}.{csv|xlsx|pdf} with id " + ReportsController.catalog.map(\.id).joined(separator: ", "),
               query: [("from", "YYYY-MM-DD (period reports; default: start of this month)"), ("to", "YYYY-MM-DD (default: today)"), ("customer_id", "ledger/payments: one customer")],
               produces: [csv, xlsx, pdf]),
            Op(.reportTable, tag: "Reports",
               summary: "A report as a table for the screen: the export's rows sorted and paged, with its totals rows; 422 too_many_rows past 20,000",
               response: "ReportTable",
               query: [("from", "YYYY-MM-DD (period reports; default: start of this month)"), ("to", "YYYY-MM-DD (default: today)"),
                       ("customer_id", "ledger: one customer"), ("sort", "Index of the column to sort by"), ("order", "asc or desc"),
                       ("offset", "Rows to skip"), ("limit", "Rows per page, 1–200")]),

            Op(.gstr1, tag: "GST",
               summary: "GSTR-1 of a month as the JSON file the GST portal's offline tool imports (b2b, b2cl, b2cs, nil, hsn, doc_issue); 409 gstin_required without the business's GSTIN",
               query: [("period", "YYYY-MM, or YYYY-Qn for a quarter (QRMP: Q4 = October–December; fp is its last month); default: last month")], produces: ["application/json"]),
            Op(.gstr3b, tag: "GST",
               summary: "GSTR-3B summary of a month: outward supplies (sup_details, inter_sup) from the invoices, input tax (itc_elg) from purchase bills and expenses, and the tax payable after credit set off in the legal order (tax_payment); rupees",
               query: [("period", "YYYY-MM, or YYYY-Qn for a quarter (QRMP: Q4 = October–December; fp is its last month); default: last month")], produces: ["application/json"]),
            Op(.gstEInvoices, tag: "GST",
               summary: "Every B2B tax invoice of the period as e-invoice JSON (INV-01 1.1): the array the portal's bulk tool uploads; 409 einvoice_incomplete names each invoice and what it lacks",
               query: [("period", "YYYY-MM, or YYYY-Qn for a quarter; default: last month")], produces: ["application/json"]),
            Op(.gstr3bPDF, tag: "GST", summary: "The GSTR-3B summary as an A4 PDF", query: [("period", "YYYY-MM, or YYYY-Qn for a quarter (QRMP: Q4 = October–December; fp is its last month); default: last month")], produces: [pdf]),

            Op(.assistantSend, tag: "Assistant",
               summary: "Send a message (JSON text, or multipart `audio`); replies with text, an optional card and what is still missing",
               body: "AssistantMessage", response: "AssistantReply"),
            Op(.assistantMessages, tag: "Assistant", summary: "Conversation history with each card's current state",
               response: "AssistantHistory", query: [("conversation_id", "Defaults to the latest conversation.")]),
            Op(.assistantParse, tag: "Assistant", summary: "Parse one sentence; nothing is written", body: "ParseRequest", response: "ParsedIntent"),
            Op(.cardConfirm, tag: "Assistant", summary: "Confirm a preview card (idempotent: a repeat returns the first result)", response: "CardAction"),
            Op(.cardCancel, tag: "Assistant", summary: "Cancel (or reject) a pending card", response: "CardAction"),
            Op(.cardEdit, tag: "Assistant", summary: "Change a pending card's fields; the preview is recomputed", body: "CardEdit", response: "CardAction"),
        ]
    }

    static let errorResponses: [(String, String)] = [
        ("400", "Malformed request (invalid_json, bad_request), or invalid_cursor"), ("401", "Not logged in"), ("403", "Forbidden or CSRF token missing"),
        ("404", "Not found"), ("409", "Conflict, e.g. insufficient_stock"), ("413", "Body too large"),
        ("422", "Validation failed (validation_failed, amount_too_large); details.fields names them"), ("429", "Rate limited"),
    ]

    static let document: JSONValue = build()

    static func errorResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ref("Error")]]]
    }

    static func build() -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for op in operations {
            var o: [String: JSONValue] = ["summary": .string(op.summary), "tags": [.string(op.tag)],
                                          "operationId": .string(op.method + op.path.replacingOccurrences(of: "/", with: "_")
                                              .replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""))]
            var params: [JSONValue] = []
            // Every {name} in the path is declared.
            for part in op.path.split(separator: "/") where part.hasPrefix("{") && part.hasSuffix("}") {
                let name = String(part.dropFirst().dropLast())
                params.append(["name": .string(name), "in": "path", "required": true, "schema": pathSchema(name)])
            }
            for (name, desc) in op.query {
                params.append(["name": .string(name), "in": "query", "required": false, "description": .string(desc), "schema": querySchema(name)])
            }
            if op.idempotent {
                params.append(["name": "Idempotency-Key", "in": "header", "required": false,
                                "description": "Repeats with the same key return the first result.",
                                "schema": ["type": "string", "minLength": 1, "maxLength": 200]])
            }
            if !params.isEmpty { o["parameters"] = .array(params) }
            if let body = op.body {
                var content: [String: JSONValue] = ["application/json": ["schema": ref(body)]]
                if body == "AssistantMessage" { content["multipart/form-data"] = ["schema": ref("AssistantAudio")] }
                if body == "ReceiptFile" {
                    content = Dictionary(uniqueKeysWithValues: ExpenseReceipt.types.map { ($0, ["schema": ["type": "string", "format": "binary"]]) })
                }
                o["requestBody"] = ["required": true, "content": .object(content)]
            }
            var responses: [String: JSONValue] = [:]
            if let r = op.response {
                responses[String(op.status)] = ["description": "OK", "content": ["application/json": ["schema": ref(r)]]]
            } else if !op.produces.isEmpty {
                let file: JSONValue = ["type": "string", "format": "binary"]
                responses[String(op.status)] = ["description": "The file", "content": .object(Dictionary(uniqueKeysWithValues: op.produces.map { type -> (String, JSONValue) in
                    (type, ["schema": type == "application/json" ? ["type": "object"] : file])
                }))]
            } else {
                responses[String(op.status)] = ["description": op.status == 204 ? "No content" : "OK"]
            }
            for (code, desc) in errorResponses where op.auth || ["400", "409", "413", "422", "429", "401"].contains(code) {
                responses[code] = errorResponse(desc)
            }
            if op.body != nil {
                responses["415"] = errorResponse(op.body == "AssistantMessage"
                    ? "unsupported_media_type: the body is neither JSON nor multipart/form-data"
                    : op.body == "ReceiptFile" ? "unsupported_media_type: the body is not a JPEG, PNG or PDF of the declared type"
                    : "unsupported_media_type: the body is not JSON (Content-Type: application/json)")
            }
            if op.path.hasPrefix("/api/") {
                responses["503"] = ["$ref": "#/components/responses/Busy"]
            }
            o["responses"] = .object(responses)
            if !op.auth { o["security"] = [] }
            paths[op.path, default: [:]][op.method] = .object(o)
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Munim API", "version": "1.0.0",
                     "description": "Munim's JSON API. Money is integer paise; quantities are numbers with at most 3 decimals; timestamps are UTC ISO-8601. Browser sessions send X-CSRF-Token on mutations; programs use Authorization: Bearer <token>."],
            "servers": [["url": "/"]],
            "security": [["cookieAuth": []], ["bearerAuth": []]],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "schemas": .object(schemas),
                "responses": [
                    "Busy": ["description": "busy: the database is momentarily overloaded or contended; nothing was changed. Retry after Retry-After seconds.",
                             "headers": ["Retry-After": ["description": "Seconds to wait before retrying", "schema": ["type": "integer", "minimum": 1]]],
                             "content": ["application/json": ["schema": ref("Error")]]],
                ],
                "securitySchemes": [
                    "cookieAuth": ["type": "apiKey", "in": "cookie", "name": "munim_session"],
                    "bearerAuth": ["type": "http", "scheme": "bearer"],
                ],
            ],
        ]
    }
}
