import Fluent
import SQLKit
import Vapor

/// HTTP for the ledger: parse, authorize, call `LedgerService`, map to DTOs (STYLE habit 3).
struct LedgerController {
    func register(_ api: any RoutesBuilder) {
        api.on(.customers, use: listCustomers)
        api.on(.customerCreate, use: createCustomer)
        api.on(.customer, use: getCustomer)
        api.on(.customerUpdate, use: updateCustomer)
        api.on(.customerDelete, use: deleteCustomer)
        api.on(.customerStatement, use: statement)

        api.on(.products, use: listProducts)
        api.on(.productCreate, use: createProduct)
        api.on(.product, use: getProduct)
        api.on(.productUpdate, use: updateProduct)
        api.on(.productDelete, use: deleteProduct)
        api.on(.productRestock, use: restock)
        api.on(.productMovements, use: movements)

        api.on(.invoices, use: listInvoices)
        api.on(.invoiceCreate, use: createInvoice)
        api.on(.invoice, use: getInvoice)
        api.on(.invoiceUpdate, use: updateInvoice)
        api.on(.invoiceDelete, use: deleteInvoice)
        api.on(.invoiceIssue, use: issueInvoice)
        api.on(.invoiceVoid, use: voidInvoice)
        api.on(.invoicePDF, use: invoicePDF)
        api.on(.invoiceCreditNotes, use: invoiceCreditNotes)
        api.on(.creditNoteCreate, use: createCreditNote)
        api.on(.creditNote, use: getCreditNote)
        api.on(.creditNotePDF, use: creditNotePDF)
        api.on(.invoiceEInvoice, use: einvoice)

        api.on(.payments, use: listPayments)
        api.on(.paymentCreate, use: createPayment)
        api.on(.payment, use: getPayment)
    }

    static func service(_ req: Request) throws -> LedgerService {
        let p = try req.principal
        return LedgerService(db: req.db, store: req.store, businessID: p.businessID, userID: p.userID, now: req.now)
    }

    static func id(_ req: Request) throws -> UUID {
        guard let raw = req.parameters.get("id"), let id = UUID(uuidString: raw) else {
            throw APIError.badRequest("The id in the path is not a valid UUID.")
        }
        return id
    }

    static func uuidQuery(_ req: Request, _ name: String) throws -> UUID? {
        guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw) else { throw APIError.validation(name, "must be a UUID") }
        return id
    }

    static func dateQuery(_ req: Request, _ name: String) throws -> String? {
        guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
        if case .failure(let problem) = Validate.date(raw) { throw APIError.validation(name, problem.text) }
        return raw
    }

    static func boolQuery(_ req: Request, _ name: String) throws -> Bool? {
        guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
        guard let b = AppConfig.parseBool(raw) else { throw APIError.validation(name, "must be true or false") }
        return b
    }

    static func q(_ req: Request) -> String? {
        guard let raw = req.query[String.self, at: "q"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return String(raw.prefix(100))
    }

    // MARK: customers

    @Sendable func listCustomers(req: Request) async throws -> Page<CustomerDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = Customer.query(on: req.db).filter(\.$businessID == p.businessID)
        if try Self.boolQuery(req, "archived") == true { query = query.filter(\.$archivedAt != nil) } else { query = query.filter(\.$archivedAt == nil) }
        if try Self.boolQuery(req, "debtors") == true { query = query.filter(\.$balance > 0) }
        if let tag = req.query[String.self, at: "tag"]?.trimmingCharacters(in: .whitespaces).lowercased(), !tag.isEmpty {
            query = query.filter(.sql(ContainsIgnoringCase(column: "tags", term: ",\(tag),")))
        }
        if let q = Self.q(req) {
            query = query.group(.or) {
                $0.filter(.sql(ContainsIgnoringCase(column: "name", term: q)))
                  .filter(.sql(ContainsIgnoringCase(column: "phone", term: q)))
                  .filter(.sql(ContainsIgnoringCase(column: "email", term: q)))
            }
        }
        let sortByBalance = try Self.boolQuery(req, "debtors") == true
        if sortByBalance { query = query.sort(\.$balance, .descending) }
        let rows = try await query.sort(\.$name).sort(\.$id).paged(page).all()
        return page.page(rows.map(CustomerDTO.init))
    }

    @Sendable func createCustomer(req: Request) async throws -> Response {
        let input = try req.content.decode(CustomerInput.self)
        let c = try await Self.service(req).createCustomer(input)
        return try await CustomerDTO(c).encodeResponse(status: .created, for: req)
    }

    @Sendable func getCustomer(req: Request) async throws -> CustomerDTO {
        CustomerDTO(try await Self.service(req).customer(try Self.id(req)))
    }

    @Sendable func updateCustomer(req: Request) async throws -> CustomerDTO {
        let id = try Self.id(req)
        let patch = try req.content.decode(CustomerPatch.self)
        return CustomerDTO(try await Self.service(req).updateCustomer(id, patch))
    }

    @Sendable func deleteCustomer(req: Request) async throws -> DeletionDTO {
        let r = try await Self.service(req).deleteCustomer(try Self.id(req))
        return DeletionDTO(deleted: r.deleted, archived: r.archived)
    }

    @Sendable func statement(req: Request) async throws -> StatementDTO {
        let service = try Self.service(req)
        let id = try Self.id(req)
        let from = try Self.dateQuery(req, "from"), to = try Self.dateQuery(req, "to")
        if let from, let to, from > to { throw APIError.validation("from", "must not be after to") }
        return try await Self.statement(service: service, customerID: id, from: from, to: to)
    }

    /// The customer's account: invoices as debits, payments and voids as credits, with a running
    /// balance — the same entries, in the same order, as the ledger export (`ReportData`).
    static func statement(service: LedgerService, customerID: UUID, from: String?, to: String?) async throws -> StatementDTO {
        let customer = try await service.customer(customerID)
        let tz = try await service.business().timezone
        // Open ends of the range become dates outside any business's books.
        let data = ReportData(db: service.db, store: service.store, businessID: service.businessID, timezone: tz, today: Validate.localDate(service.now, timezone: tz),
                              from: from ?? "1900-01-01", to: to ?? "2999-12-31", customerID: customerID, now: service.now)
        let opening = try await data.ledgerOpening()
        var entries: [StatementEntryDTO] = []
        try await data.forEachLedgerEntry(opening: opening) { e, balance in
            entries.append(StatementEntryDTO(date: e.date, kind: e.type, reference: e.ref, description: e.text, debit: e.debit, credit: e.credit,
                                             balance: balance, invoiceId: e.type == "payment" ? nil : e.sourceID,
                                             paymentId: e.type == "payment" ? e.sourceID : nil))
        }
        return StatementDTO(customer: CustomerDTO(customer), from: from, to: to, openingBalance: opening,
                            closingBalance: entries.last?.balance ?? opening, entries: entries)
    }

    // MARK: products

    @Sendable func listProducts(req: Request) async throws -> Page<ProductDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = Product.query(on: req.db).filter(\.$businessID == p.businessID)
        if try Self.boolQuery(req, "archived") == true { query = query.filter(\.$archivedAt != nil) } else { query = query.filter(\.$archivedAt == nil) }
        if try Self.boolQuery(req, "low_stock") == true {
            query = query.filter(.sql(SQLBinaryExpression(SQLColumn("stock"), .lessThanOrEqual, SQLColumn("low_stock_threshold"))))
        }
        if let q = Self.q(req) {
            query = query.group(.or) {
                $0.filter(.sql(ContainsIgnoringCase(column: "name", term: q)))
                  .filter(.sql(ContainsIgnoringCase(column: "sku", term: q)))
            }
        }
        let rows = try await query.sort(\.$nameKey).sort(\.$id).paged(page).all()
        return page.page(rows.map(ProductDTO.init))
    }

    @Sendable func createProduct(req: Request) async throws -> Response {
        let input = try req.content.decode(ProductInput.self)
        let p = try await Self.service(req).createProduct(input)
        return try await ProductDTO(p).encodeResponse(status: .created, for: req)
    }

    @Sendable func getProduct(req: Request) async throws -> ProductDTO {
        ProductDTO(try await Self.service(req).product(try Self.id(req)))
    }

    @Sendable func updateProduct(req: Request) async throws -> ProductDTO {
        let id = try Self.id(req)
        let patch = try req.content.decode(ProductPatch.self)
        return ProductDTO(try await Self.service(req).updateProduct(id, patch))
    }

    @Sendable func deleteProduct(req: Request) async throws -> DeletionDTO {
        let r = try await Self.service(req).deleteProduct(try Self.id(req))
        return DeletionDTO(deleted: r.deleted, archived: r.archived)
    }

    @Sendable func restock(req: Request) async throws -> ProductDTO {
        let id = try Self.id(req)
        let input = try req.content.decode(RestockInput.self)
        let dto = ProductDTO(try await Self.service(req).restock(id, quantity: input.quantity, reason: input.reason))
        req.publish("stock.updated", id: dto.id, data: ["stock": .quantity(dto.stock.thousandths), "low_stock": .bool(dto.lowStock)])
        return dto
    }

    @Sendable func movements(req: Request) async throws -> Page<MovementDTO> {
        let service = try Self.service(req)
        let id = try Self.id(req)
        _ = try await service.product(id)
        let page = try PageRequest(req)
        let rows = try await StockMovement.query(on: req.db).filter(\.$businessID == service.businessID).filter(\.$productID == id)
            .sort(\.$createdAt, .descending).sort(\.$id).paged(page).all()
        return page.page(rows.map(MovementDTO.init))
    }

    // MARK: invoices

    @Sendable func listInvoices(req: Request) async throws -> Page<InvoiceDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = Invoice.query(on: req.db).filter(\.$businessID == p.businessID)
        if let raw = req.query[String.self, at: "status"], !raw.isEmpty {
            var statuses: [InvoiceStatus] = []
            for part in raw.split(separator: ",") {
                guard let s = InvoiceStatus(rawValue: String(part)) else {
                    throw APIError.validation("status", "must be draft, issued, partially_paid, paid or void (comma-separated)")
                }
                statuses.append(s)
            }
            query = query.filter(\.$status ~~ statuses)
        }
        if let cid = try Self.uuidQuery(req, "customer_id") { query = query.filter(\.$customerID == cid) }
        if let from = try Self.dateQuery(req, "from") { query = query.filter(\.$issueDate >= from) }
        if let to = try Self.dateQuery(req, "to") { query = query.filter(\.$issueDate <= to) }
        if let q = Self.q(req) {
            let digits = q.uppercased().replacingOccurrences(of: "INV-", with: "").replacingOccurrences(of: "INV", with: "")
            let number = Int64(digits.trimmingCharacters(in: .whitespaces))
            let customerIDs = try await Customer.query(on: req.db).filter(\.$businessID == p.businessID)
                .filter(.sql(ContainsIgnoringCase(column: "name", term: q))).all(\.$id)
            query = query.group(.or) { g in
                g.filter(\.$customerID ~~ customerIDs)
                if let number { g.filter(\.$number == number) }
            }
        }
        let rows = try await query.sort(\.$createdAt, .descending).sort(\.$id).paged(page).all()
        let page2 = page.page(rows)
        return Page(items: try await LedgerViews.invoices(page2.items, on: req.db), nextCursor: page2.nextCursor)
    }

    @Sendable func createInvoice(req: Request) async throws -> Response {
        let input = try req.content.decode(InvoiceInput.self)
        let dto = try await Self.service(req).committing({ try await $0.createInvoice(input) }, view: Self.invoiceView)
        if dto.status != .draft { Self.publish(req, dto) }
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable static func invoiceView(_ inv: Invoice, on db: any Database) async throws -> InvoiceDTO {
        try await LedgerViews.invoices([inv], on: db)[0]
    }

    @Sendable func getInvoice(req: Request) async throws -> InvoiceDTO {
        let inv = try await Self.service(req).invoice(try Self.id(req))
        return try await LedgerViews.invoices([inv], on: req.db)[0]
    }

    @Sendable func updateInvoice(req: Request) async throws -> InvoiceDTO {
        let id = try Self.id(req)
        let patch = try req.content.decode(InvoicePatch.self)
        return try await Self.service(req).committing({ try await $0.updateDraft(id, patch) }, view: Self.invoiceView)
    }

    @Sendable func deleteInvoice(req: Request) async throws -> HTTPStatus {
        try await Self.service(req).deleteDraft(try Self.id(req))
        return .noContent
    }

    @Sendable func issueInvoice(req: Request) async throws -> InvoiceDTO {
        let id = try Self.id(req)
        let input = try Self.optionalBody(req, IssueInput.self) ?? IssueInput()
        let dto = try await Self.service(req).committing({ try await $0.issueInvoice(id, payment: input.payment) }, view: Self.invoiceView)
        Self.publish(req, dto)
        return dto
    }

    @Sendable func voidInvoice(req: Request) async throws -> InvoiceDTO {
        let id = try Self.id(req)
        let input = try Self.optionalBody(req, VoidInput.self) ?? VoidInput()
        let dto = try await Self.service(req).committing({ try await $0.voidInvoice(id, reason: input.reason) }, view: Self.invoiceView)
        Self.publish(req, dto)
        return dto
    }

    /// The invoice as e-invoice JSON (INV-01 1.1) for the portal's bulk upload tool.
    @Sendable func einvoice(req: Request) async throws -> Response {
        let service = try Self.service(req)
        let inv = try await service.invoice(try Self.id(req))
        guard InvoiceStatus.posted.contains(inv.status), let number = inv.numberText else {
            throw APIError.conflict("invalid_state", inv.status == .void ? "A void invoice has no e-invoice." : "Issue the invoice first.")
        }
        let business = try await service.business()
        guard business.gstRegistration == .regular else {
            throw APIError(.conflict, "not_regular", "Only a regular GST registration issues tax invoices, and so e-invoices.")
        }
        let customer = try await service.customer(inv.customerID)
        let dto = try await LedgerViews.invoices([inv], on: req.db)[0]
        let document: JSONValue
        do {
            document = try EInvoice.document(dto, seller: EInvoice.seller(business), buyer: EInvoice.buyer(customer))
        } catch let e as EInvoice.Incomplete {
            let list = e.problems.keys.sorted().map { "\($0): \(e.problems[$0]!)" }.joined(separator: "; ")
            throw APIError(.conflict, "einvoice_incomplete", "The e-invoice needs more details: \(list)",
                           details: ["fields": .object(e.problems.mapValues { .string($0) })])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let response = Response(status: .ok, body: .init(data: try encoder.encode(document)))
        response.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        let disposition = req.query[String.self, at: "download"] == "1" ? "attachment" : "inline"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "\(disposition); filename=\"\(number)_einvoice.json\"")
        return response
    }

    // MARK: credit notes (issue 17 §3)

    @Sendable func createCreditNote(req: Request) async throws -> Response {
        let id = try Self.id(req)
        let input = try req.content.decode(CreditNoteInput.self)
        let note = try await Self.service(req).committing({ try await $0.createCreditNote(invoiceID: id, input) }, view: { made, _ in made })
        if let inv = try? await Self.service(req).invoice(id), let dto = try? await LedgerViews.invoices([inv], on: req.db).first {
            Self.publish(req, dto)
        }
        return try await note.encodeResponse(status: .created, for: req)
    }

    @Sendable func invoiceCreditNotes(req: Request) async throws -> Page<CreditNoteDTO> {
        Page(items: try await Self.service(req).creditNotes(invoiceID: try Self.id(req)), nextCursor: nil)
    }

    @Sendable func getCreditNote(req: Request) async throws -> CreditNoteDTO {
        try await Self.service(req).creditNote(try Self.id(req))
    }

    /// A credit note drawn as the invoice is, titled CREDIT NOTE and naming the invoice it reduces.
    @Sendable func creditNotePDF(req: Request) async throws -> Response {
        let service = try Self.service(req)
        let note = try await service.creditNote(try Self.id(req))
        let inv = try await LedgerViews.invoices([try await service.invoice(note.invoiceId)], on: req.db)[0]
        return try await Self.pdfResponse(req, service: service, Self.document(of: note, invoice: inv), fileName: note.number,
                                          creditNoteOf: InvoicePDF.CreditNoteOf(invoiceNumber: note.invoiceNumber, invoiceDate: inv.issueDate))
    }

    /// A credit note in the invoice's shape, for the PDF.
    static func document(of n: CreditNoteDTO, invoice: InvoiceDTO) -> InvoiceDTO {
        let items = n.items.map { i in
            InvoiceItemDTO(id: i.id, productId: i.productId, description: i.description, quantity: i.quantity, unit: i.unit,
                           unitPrice: i.unitPrice, discount: 0, gstRate: i.gstRate, hsn: i.hsn, taxable: i.taxableValue,
                           tax: i.cgst + i.sgst + i.igst, total: i.total, taxableValue: i.taxableValue,
                           cgst: i.cgst, sgst: i.sgst, igst: i.igst, priceIncludesGst: false)
        }
        return InvoiceDTO(id: n.id, number: n.number, status: .issued, customer: invoice.customer, issueDate: n.issueDate, dueDate: nil,
                          notes: n.reason.map { "Reason: \($0)" }, placeOfSupply: invoice.placeOfSupply,
                          placeOfSupplyCode: invoice.placeOfSupplyCode, interState: invoice.interState, items: items,
                          subtotal: n.taxableValue, discountTotal: 0, taxTotal: n.taxTotal, cgst: n.cgst, sgst: n.sgst, igst: n.igst,
                          total: n.total, amountPaid: 0, credited: 0, roundOff: n.roundOff, balanceDue: 0, payments: [], creditNotes: [],
                          issuedAt: n.createdAt, voidedAt: nil, voidReason: nil, createdAt: n.createdAt, updatedAt: n.createdAt)
    }

    /// The invoice as an A4 PDF (issue 6 §2), rendered on the thread pool (cairo/pango are blocking).
    @Sendable func invoicePDF(req: Request) async throws -> Response {
        try await Self.renderPDF(req, service: try Self.service(req), invoiceID: try Self.id(req))
    }

    static func renderPDF(_ req: Request, service: LedgerService, invoiceID: UUID) async throws -> Response {
        let dto = try await LedgerViews.invoices([try await service.invoice(invoiceID)], on: req.db)[0]
        return try await pdfResponse(req, service: service, dto, fileName: dto.number ?? "draft-\(dto.id.uuidString.prefix(8))")
    }

    /// An invoice or a credit note drawn for the business and the document's customer, as an inline
    /// (or with `?download=1` attached) PDF. A credit note has no UPI QR code: nothing is due on it.
    static func pdfResponse(_ req: Request, service: LedgerService, _ dto: InvoiceDTO, fileName: String,
                            creditNoteOf: InvoicePDF.CreditNoteOf? = nil) async throws -> Response {
        let business = try await service.business()
        let customer = try await service.customer(dto.customer.id)
        let seller = InvoicePDF.Party(name: business.name, address: business.address, gstin: business.gstin, state: business.state,
                                      phone: business.whatsappNumber)
        let buyer = InvoicePDF.Party(name: customer.name, address: customer.address, gstin: customer.gstin, state: customer.state, phone: customer.phone)
        let upi = creditNoteOf == nil ? business.upiID : nil, registration = business.gstRegistration
        let data = try await req.application.threadPool.runIfActive {
            InvoicePDF.render(dto, seller: seller, buyer: buyer, upiID: upi, registration: registration, creditNoteOf: creditNoteOf)
        }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        let disposition = req.query[String.self, at: "download"] == "1" ? "attachment" : "inline"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "\(disposition); filename=\"\(fileName).pdf\"")
        return response
    }

    static func publish(_ req: Request, _ dto: InvoiceDTO) {
        req.publish("invoice.updated", id: dto.id, data: ["number": .optional(dto.number), "status": .string(dto.status.rawValue),
                                                          "total": .int(dto.total), "customer": .ref(dto.customer.id, dto.customer.name)])
    }

    /// Action endpoints accept an empty body as "no options".
    static func optionalBody<T: Decodable>(_ req: Request, _ type: T.Type) throws -> T? {
        guard let body = req.body.data, body.readableBytes > 0 else { return nil }
        return try req.content.decode(T.self)
    }

    // MARK: payments

    @Sendable func listPayments(req: Request) async throws -> Page<PaymentDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = Payment.query(on: req.db).filter(\.$businessID == p.businessID)
        if let cid = try Self.uuidQuery(req, "customer_id") { query = query.filter(\.$customerID == cid) }
        if let raw = req.query[String.self, at: "mode"], !raw.isEmpty {
            guard let mode = PaymentMode(rawValue: raw) else { throw APIError.validation("mode", "must be cash, upi, card, bank, cheque or other") }
            query = query.filter(\.$mode == mode)
        }
        if let from = try Self.dateQuery(req, "from") { query = query.filter(\.$paidOn >= from) }
        if let to = try Self.dateQuery(req, "to") { query = query.filter(\.$paidOn <= to) }
        let rows = try await query.sort(\.$createdAt, .descending).sort(\.$id).paged(page).all()
        let page2 = page.page(rows)
        return Page(items: try await LedgerViews.payments(page2.items, on: req.db), nextCursor: page2.nextCursor)
    }

    @Sendable func createPayment(req: Request) async throws -> Response {
        let input = try req.content.decode(PaymentInput.self)
        let dto = try await Self.service(req).committing({ try await $0.recordPayment(input) }) { payment, tx in
            try await LedgerViews.payments([payment], on: tx)[0]
        }
        req.publish("payment.recorded", id: dto.id, data: ["amount": .int(dto.amount), "customer": .ref(dto.customer.id, dto.customer.name)])
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func getPayment(req: Request) async throws -> PaymentDTO {
        let payment = try await Self.service(req).payment(try Self.id(req))
        return try await LedgerViews.payments([payment], on: req.db)[0]
    }
}
