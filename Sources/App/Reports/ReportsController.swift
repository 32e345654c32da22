import Fluent
import Foundation
import NIOCore
import Vapor

/// Dashboard figures and CSV exports (issue 6 §1, §4). Exports stream row batches, are correct on
/// empty data, use business-local dates, and write numbers as plain numbers.
struct ReportsController {
    func register(_ api: any RoutesBuilder) {
        api.on(.dashboard, use: dashboard)
        api.on(.reports, use: list)
        api.on(.reportFile, use: export)
        api.on(.reportTable, use: table)
        api.on(.gstr1, use: gstr1)
        api.on(.gstr3b, use: gstr3b)
        api.on(.gstr3bPDF, use: gstr3bPDF)
        api.on(.gstEInvoices, use: einvoices)
    }

    /// A regular business's GSTIN, or the 409 that says why it files no returns.
    static func filingGSTIN(_ business: Business) throws -> String {
        switch business.gstRegistration {
        case .regular: break
        case .composition:
            throw APIError(.conflict, "not_regular", "A composition dealer files CMP-08 and GSTR-4, not GSTR-1 or GSTR-3B.")
        case .unregistered:
            throw APIError(.conflict, "not_regular", "An unregistered business files no GST returns. Set the GST registration in Settings if you have registered.")
        }
        guard let gstin = business.gstin else {
            throw APIError(.conflict, "gstin_required", "Add your GSTIN in Settings first: GST returns are filed under it.")
        }
        return gstin
    }

    /// Every B2B tax invoice of `?period=` (a month or a quarter) as e-invoice JSON (INV-01 1.1):
    /// the array the portal's bulk generation tool uploads. 409 `einvoice_incomplete` names each
    /// invoice with what it lacks (a buyer's address with its PIN, an HSN code…), so the file is
    /// never half of the period; an empty array when the period has no B2B invoice.
    @Sendable func einvoices(req: Request) async throws -> Response {
        let p = try req.principal
        let business = try await AccountsService(db: req.db).business(p.businessID)
        let gstin = try Self.filingGSTIN(business)
        let period = try Self.period(req, timezone: business.timezone, now: req.now)
        let seller = EInvoice.seller(business)
        let ledger = LedgerReads(db: req.db, businessID: p.businessID)
        let rows = try await ledger.numberedInvoices(from: period.from, to: period.to).filter { $0.status != .void }
        let customers = Dictionary(uniqueKeysWithValues: try await ledger.customers(Set(rows.map(\.customerID))).map { ($0.id!, $0) })
        let b2b = rows.filter { customers[$0.customerID]?.gstin != nil }
        let views = try await LedgerViews.invoices(b2b, on: req.db)
        var documents: [JSONValue] = []
        var problems: [String: JSONValue] = [:]
        for (row, dto) in zip(b2b, views) {
            guard let buyer = customers[row.customerID].flatMap(EInvoice.buyer) else { continue }
            do {
                documents.append(try EInvoice.document(dto, seller: seller, buyer: buyer))
            } catch let e as EInvoice.Incomplete {
                problems[dto.number ?? row.id!.uuidString] = .string(e.problems.keys.sorted().map { "\($0): \(e.problems[$0]!)" }.joined(separator: "; "))
            }
        }
        if !problems.isEmpty {
            let list = problems.keys.sorted().map { "\($0) (\(problems[$0]?.stringValue ?? ""))" }.joined(separator: "; ")
            throw APIError(.conflict, "einvoice_incomplete", "These invoices need more details before the e-invoice file: \(list)",
                           details: ["invoices": .object(problems)])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let response = Response(status: .ok, body: .init(data: try encoder.encode(JSONValue.array(documents))))
        response.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        let fp = String(format: "%02d%04d", period.lastMonth, period.year)
        let name = period.firstMonth == period.lastMonth ? fp : "\(period.year)Q\((period.lastMonth + 2) / 3)"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"EINV_\(gstin)_\(name).json\"")
        return response
    }

    /// The business (with its GSTIN: 409 without one), the period asked for and its numbered
    /// invoices. A quarter's returns carry its last month as their period (`fp`), as the portal
    /// files a QRMP taxpayer's quarterly GSTR-1 and GSTR-3B.
    static func gstReturn(_ req: Request) async throws -> (business: Business, gstin: String, period: GSTPeriod, invoices: [GSTR1.Invoice], notes: [GSTR1.Note]) {
        let p = try req.principal
        let business = try await AccountsService(db: req.db).business(p.businessID)
        let period = try Self.period(req, timezone: business.timezone, now: req.now)
        let gstin = try Self.filingGSTIN(business)
        let ledger = LedgerReads(db: req.db, businessID: p.businessID)
        let rows = try await ledger.numberedInvoices(from: period.from, to: period.to)
        let views = try await LedgerViews.invoices(rows, on: req.db)
        let buyers = Dictionary(uniqueKeysWithValues: try await ledger.customers(Set(rows.map(\.customerID))).map { ($0.id!, $0.gstin) })
        let ownCode = String(gstin.prefix(2))
        let invoices = zip(rows, views).map { row, v in
            GSTR1.Invoice(number: v.number ?? "", sequence: row.number ?? 0, date: v.issueDate, total: v.total,
                          buyerGSTIN: buyers[row.customerID] ?? nil, placeOfSupplyCode: v.placeOfSupplyCode ?? ownCode,
                          interState: v.interState, void: v.status == .void,
                          lines: v.items.map { i in
                              GSTR1.Line(hsn: i.hsn, description: i.description, unit: i.unit, quantity: i.quantity.thousandths,
                                         rateBP: i.gstRate?.basisPoints, taxable: i.taxable, cgst: i.cgst, sgst: i.sgst, igst: i.igst)
                          })
        }
        // Credit notes dated in the month, with the invoice each reduces (for its place and size).
        let noteRows = try await ledger.creditNotes(from: period.from, to: period.to)
        let noteItems = Dictionary(grouping: try await ledger.items(ofCreditNotes: noteRows.map { $0.id! }), by: \.creditNoteID)
        let against = try await ledger.invoices(ids: Array(Set(noteRows.map(\.invoiceID))))
        let againstViews = Dictionary(uniqueKeysWithValues: try await LedgerViews.invoices(against, on: req.db).map { ($0.id, $0) })
        let noteBuyers = Dictionary(uniqueKeysWithValues: try await ledger.customers(Set(noteRows.map(\.customerID))).map { ($0.id!, $0.gstin) })
        let notes: [GSTR1.Note] = noteRows.compactMap { n in
            guard let inv = againstViews[n.invoiceID] else { return nil }
            let buyer = noteBuyers[n.customerID] ?? nil
            let pos = inv.placeOfSupplyCode ?? ownCode
            let large = GSTR1.isLarge(GSTR1.Invoice(number: inv.number ?? "", sequence: 0, date: inv.issueDate, total: inv.total, buyerGSTIN: buyer,
                                                    placeOfSupplyCode: pos, interState: inv.interState, void: false, lines: []))
            let document = GSTR1.Invoice(number: n.numberText, sequence: n.number, date: n.issueDate, total: n.total, buyerGSTIN: buyer,
                                         placeOfSupplyCode: pos, interState: inv.interState, void: false,
                                         lines: (noteItems[n.id!] ?? []).map { i in
                                             GSTR1.Line(hsn: i.hsn, description: i.description, unit: i.unit, quantity: i.quantity,
                                                        rateBP: i.gstRateBP, taxable: i.taxable, cgst: i.cgst, sgst: i.sgst, igst: i.igst)
                                         })
            return GSTR1.Note(document: document, againstLarge: large)
        }
        return (business, gstin, period, invoices, notes)
    }

    static func gstr3bOf(_ req: Request) async throws -> (GSTR3B, Business, GSTPeriod) {
        let m = try await gstReturn(req)
        let books = BooksService(db: req.db, store: req.store, businessID: m.business.id!, userID: nil, now: req.now)
        let input = try await books.inputTax(from: m.period.from, to: m.period.to)
        do {
            return (try GSTR3B(gstin: m.gstin, year: m.period.year, month: m.period.lastMonth, invoices: m.invoices, notes: m.notes,
                               input: input), m.business, m.period)
        } catch {
            throw APIError.amountTooLarge(["period": "adds up to more than can be summed"])
        }
    }

    /// GSTR-3B of `?period=YYYY-MM` (default: last month) as a JSON summary.
    @Sendable func gstr3b(req: Request) async throws -> Response {
        let (summary, _, _) = try await Self.gstr3bOf(req)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let response = Response(status: .ok, body: .init(data: try encoder.encode(summary.document())))
        response.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        return response
    }

    /// The same summary as an A4 PDF for the CA.
    @Sendable func gstr3bPDF(req: Request) async throws -> Response {
        let (summary, business, period) = try await Self.gstr3bOf(req)
        let data = ReportPDF.render(title: "GSTR-3B summary", business: "\(business.name) · GSTIN \(summary.gstin)",
                                    subtitle: "\(period.name) · amounts in rupees · credit set off in the legal order", rows: summary.rows)
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: "application/pdf")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"GSTR3B_\(summary.gstin)_\(summary.period).pdf\"")
        return response
    }

    /// GSTR-1 of `?period=YYYY-MM` (default: last month, the one filed now) as a JSON download.
    @Sendable func gstr1(req: Request) async throws -> Response {
        let (_, gstin, period, invoices, notes) = try await Self.gstReturn(req)
        let (year, month) = (period.year, period.lastMonth)
        let mm = String(format: "%02d", month)
        let report = GSTR1(gstin: gstin, year: year, month: month, invoices: invoices, notes: notes)
        let document: JSONValue
        do { document = try report.document() } catch { throw APIError.amountTooLarge(["period": "adds up to more than can be summed"]) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let response = Response(status: .ok, body: .init(data: try encoder.encode(document)))
        response.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"GSTR1_\(gstin)_\(mm)\(year).json\"")
        if report.linesWithoutHSN > 0 {
            let n = report.linesWithoutHSN
            response.headers.replaceOrAdd(name: "Munim-Warnings", value: n == 1 ? "1 invoice line has no HSN code and is left out of the HSN summary"
                                          : "\(n) invoice lines have no HSN code and are left out of the HSN summary")
        }
        return response
    }

    /// A GST return period: one month, or a quarter of three (QRMP).
    struct GSTPeriod: Equatable {
        let year: Int
        let firstMonth: Int
        let lastMonth: Int
        var from: String { String(format: "%04d-%02d-01", year, firstMonth) }
        var to: String { String(format: "%04d-%02d-31", year, lastMonth) }
        /// "November 2026", "October–December 2026".
        var name: String {
            let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"]
            return firstMonth == lastMonth ? "\(names[lastMonth - 1]) \(year)" : "\(names[firstMonth - 1])–\(names[lastMonth - 1]) \(year)"
        }
    }

    /// `?period=YYYY-MM` (July 2017, when GST began, or later), or `?period=YYYY-Qn` for a quarter
    /// (Q1 January–March, Q2 April–June, Q3 July–September, Q4 October–December: the GST quarters,
    /// named by calendar year); default: last month in the business's time zone.
    static func period(_ req: Request, timezone: String, now: Date) throws -> GSTPeriod {
        guard let raw = req.query[String.self, at: "period"] else {
            let today = Validate.localDate(now, timezone: timezone)
            let y = Int(today.prefix(4)) ?? 2000, m = Int(today.dropFirst(5).prefix(2)) ?? 1
            return m == 1 ? GSTPeriod(year: y - 1, firstMonth: 12, lastMonth: 12) : GSTPeriod(year: y, firstMonth: m - 1, lastMonth: m - 1)
        }
        return try parsePeriod(raw)
    }

    static func parsePeriod(_ raw: String) throws -> GSTPeriod {
        let parts = raw.split(separator: "-", omittingEmptySubsequences: false)
        let problem = APIError.validation("period", "must be a month as YYYY-MM from 2017-07 (e.g. 2026-11) or a quarter as YYYY-Qn (e.g. 2026-Q4 for October–December)")
        guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), (2017...2100).contains(y) else { throw problem }
        if parts[1].count == 2, parts[1].uppercased().hasPrefix("Q"), let q = Int(parts[1].dropFirst()), (1...4).contains(q) {
            guard y > 2017 || q >= 3 else { throw problem }
            return GSTPeriod(year: y, firstMonth: q * 3 - 2, lastMonth: q * 3)
        }
        guard parts[1].count == 2, let m = Int(parts[1]), (1...12).contains(m), y > 2017 || m >= 7 else { throw problem }
        return GSTPeriod(year: y, firstMonth: m, lastMonth: m)
    }

    @Sendable func dashboard(req: Request) async throws -> DashboardService.Dashboard {
        let p = try req.principal
        return try await DashboardService(app: req.application, db: req.db, businessID: p.businessID, now: req.now).build()
    }

    struct ReportInfo: Content {
        let id: String
        let title: String
        let description: String
        let formats: [String]
        let period: Bool
    }

    static let catalog: [ReportInfo] = [
        ReportInfo(id: "inventory", title: "Inventory", description: "Every product with stock, low-stock flag, price and stock value.", formats: ["csv", "xlsx", "pdf"], period: false),
        ReportInfo(id: "sales-by-product", title: "Sales by product", description: "Quantity and value sold per product in the period.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "sales-by-customer", title: "Sales by customer", description: "Invoices, sales, paid and due per customer in the period.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "ledger", title: "Ledger", description: "Invoices, payments and voids with a running balance.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "aging-debtors", title: "Aging debtors", description: "What each customer owes, by days past the invoice due date: 0–30, 31–60, 61–90, 90+.", formats: ["csv", "xlsx", "pdf"], period: false),
        ReportInfo(id: "sales-register", title: "Sales register (GST)", description: "Every invoice line of the period with its GSTIN, place of supply, HSN, rate and CGST/SGST/IGST; credit notes as negative lines; totals.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "hsn-summary", title: "HSN summary", description: "Sales of the period by HSN code, unit and rate, net of credit notes, with totals: GSTR-1's HSN table for your CA.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "payments", title: "Payments", description: "Payments received in the period, with the invoices they settled.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "purchases", title: "Purchase register", description: "Supplier bills in the period with GST (CGST, SGST, IGST), paid and due.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "expenses", title: "Expenses", description: "Expenses in the period with the account they were paid from, and totals by category.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "payables", title: "Payables aging", description: "What you owe each supplier, by the age of the open bills: 0–30, 31–60, 61–90, 90+ days.", formats: ["csv", "xlsx", "pdf"], period: false),
        ReportInfo(id: "cash-book", title: "Cash and bank book", description: "Every account's money in and out in the period, with running balances.", formats: ["csv", "xlsx", "pdf"], period: true),
        ReportInfo(id: "profit-and-loss", title: "Profit and loss", description: "Sales, cost of goods sold, expenses by category and net profit for the period (GST excluded).", formats: ["csv", "xlsx", "pdf"], period: true),
    ]

    @Sendable func list(req: Request) async throws -> ItemsDTO<ReportInfo> {
        _ = try req.principal
        return ItemsDTO(items: Self.catalog)
    }

    /// What a report is asked for: `?from&to` (period reports; default this month) and
    /// `?customer_id` (one customer's ledger), read the same way for a file and for the screen.
    struct Asked {
        let info: ReportInfo
        let business: Business
        let periods: Periods
        let from: String
        let to: String
        let customerName: String?
        let data: ReportData
    }

    static func asked(_ req: Request, report id: String) async throws -> Asked {
        let p = try req.principal
        guard let info = Self.catalog.first(where: { $0.id == id }) else { throw APIError.notFound("Report") }
        let business = try await AccountsService(db: req.db).business(p.businessID)
        let periods = Periods(now: req.now, timezone: business.timezone)
        var (from, to) = periods.range("this_month")
        if let f = try LedgerController.dateQuery(req, "from") { from = f }
        if let t = try LedgerController.dateQuery(req, "to") { to = t }
        guard from <= to else { throw APIError.validation("from", "must not be after to") }
        let customerID = try LedgerController.uuidQuery(req, "customer_id")
        var customerName: String? = nil
        if let customerID {
            customerName = try await LedgerService(db: req.db, store: req.store, businessID: p.businessID, userID: nil, now: req.now).customer(customerID).name
        }
        let data = ReportData(db: req.db, store: req.store, businessID: p.businessID, timezone: business.timezone, today: periods.today,
                              from: from, to: to, customerID: customerID, now: req.now)
        return Asked(info: info, business: business, periods: periods, from: from, to: to, customerName: customerName, data: data)
    }

    @Sendable func export(req: Request) async throws -> Response {
        let file = req.parameters.get("file") ?? ""
        let parts = file.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw APIError.notFound("Report") }
        let asked = try await Self.asked(req, report: parts[0])
        let format = parts[1].lowercased()
        guard ["csv", "xlsx", "pdf"].contains(format) else {
            throw APIError(.notFound, "format_unavailable", "Exports come as csv, xlsx or pdf.")
        }
        let (info, business, periods, from, to, customerName, data) = (asked.info, asked.business, asked.periods, asked.from, asked.to,
                                                                         asked.customerName, asked.data)
        let base = info.id + (customerName != nil ? "-customer" : "") + (info.period ? "-\(from)-to-\(to)" : "-\(periods.today)")
        let logger = req.logger

        switch format {
        case "csv":
            let response = Response(status: .ok, body: .init(asyncStream: { writer in
                do {
                    // A UTF-8 byte-order mark, so Excel shows ₹ and Devanagari names correctly.
                    try await writer.write(.buffer(ByteBuffer(bytes: [0xEF, 0xBB, 0xBF])))
                    try await data.rowsWithTotals(info.id) { rows in
                        try await writer.write(.buffer(ByteBuffer(string: rows.map(CSVFormat.row).joined())))
                    }
                    try await writer.write(.end)
                } catch {
                    logger.report(error: error)
                    try? await writer.write(.error(error))
                }
            }))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            return Self.download(response, name: base + ".csv")
        case "xlsx":
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("munim-\(UUID().uuidString).xlsx").path
            let writer = try XLSXWriter(path: path, sheetName: info.title)
            do {
                try await data.rowsWithTotals(info.id) { rows in writer.write(rows) }
                try await req.application.threadPool.runIfActive { try writer.close() }
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
            let response = try await req.fileio.asyncStreamFile(at: path, onCompleted: { _ in
                try? FileManager.default.removeItem(atPath: path)
            })
            response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            return Self.download(response, name: base + ".xlsx")
        default:
            // A PDF is laid out in memory: cap it, and point big exports to CSV/XLSX, which stream.
            let collected = RowCollector()
            try await data.rowsWithTotals(info.id) { rows in
                collected.add(rows)
                if collected.count > Self.maxPDFRows {
                    throw APIError(.unprocessableEntity, "too_many_rows",
                                   "This report has more than \(Self.maxPDFRows) rows: choose a shorter period or one customer, or download CSV or Excel.")
                }
            }
            let pdf = try await Self.renderPDF(info: info, rows: collected.rows, businessName: business.name, customerName: customerName,
                                               from: from, to: to, today: periods.today, app: req.application)
            let response = Response(status: .ok, body: .init(data: pdf))
            response.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
            return Self.download(response, name: base + ".pdf")
        }
    }

    static let maxPDFRows = 20_000

    /// A report as a table for the screen (issue 19 §5): the export's rows, sorted by `?sort`
    /// (a column's index) and `?order`, a page at `?offset`/`?limit`, with its totals rows apart.
    @Sendable func table(req: Request) async throws -> Response {
        let asked = try await Self.asked(req, report: req.parameters.get("report") ?? "")
        let sort = try Self.intQuery(req, "sort", 0...63)
        let offset = try Self.intQuery(req, "offset", 0...1_000_000) ?? 0
        let limit = try Self.intQuery(req, "limit", 1...200) ?? 50
        let order = req.query[String.self, at: "order"] ?? "asc"
        guard order == "asc" || order == "desc" else { throw APIError.validation("order", "must be asc or desc") }
        let collected = RowCollector()
        let added = try await asked.data.rowsWithTotals(asked.info.id) { rows in
            collected.add(rows)
            if collected.count > Self.maxPDFRows {
                throw APIError(.unprocessableEntity, "too_many_rows",
                               "This report has more than \(Self.maxPDFRows) rows: choose a shorter period, or download CSV or Excel.")
            }
        }
        let table = ReportTable(id: asked.info.id, rows: collected.rows, totalsAdded: added)
        if let sort, sort >= table.columns.count { throw APIError.validation("sort", "must be a column index below \(table.columns.count)") }
        var o: [String: JSONValue] = table.page(sort: sort, descending: order == "desc", offset: offset, limit: limit)
        o["id"] = .string(asked.info.id)
        o["title"] = .string(asked.customerName != nil && asked.info.id == "ledger" ? "Statement of account" : asked.info.title)
        o["from"] = asked.info.period ? .string(asked.from) : .null
        o["to"] = asked.info.period ? .string(asked.to) : .null
        o["as_of"] = asked.info.period ? .null : .string(asked.periods.today)
        o["customer_name"] = asked.customerName.map(JSONValue.string) ?? .null
        return try WorkflowJSON.response(JSONValue.object(o))
    }

    static func intQuery(_ req: Request, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        guard let n = Int(raw), range.contains(n) else {
            throw APIError.validation(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// A report's PDF from its rows (the export, and a statement's signed public link).
    static func renderPDF(info: ReportInfo, rows: [[Cell]], businessName: String, customerName: String?, from: String, to: String,
                          today: String, app: Application) async throws -> Data {
        var subtitle = info.period ? "Period \(IndianDate.text(from)) to \(IndianDate.text(to))" : "As of \(IndianDate.text(today))"
        if from == StatementLinks.beginning { subtitle = "Up to \(IndianDate.text(to))" }
        if let customerName { subtitle = "Customer: \(customerName) · " + subtitle }
        subtitle += " · amounts in ₹"
        let title = customerName != nil && info.id == "ledger" ? "Statement of account" : info.title
        let heading = subtitle
        return try await app.threadPool.runIfActive {
            ReportPDF.render(title: title, business: businessName, subtitle: heading, rows: rows)
        }
    }

    /// A customer's statement of account as a PDF (the ledger report for that customer).
    static func statementPDF(db: any Database, store: Store, businessID: UUID, customerID: UUID, from: String, to: String, now: Date,
                             app: Application) async throws -> Data {
        let business = try await AccountsService(db: db).business(businessID)
        let customer = try await LedgerService(db: db, store: store, businessID: businessID, userID: nil, now: now).customer(customerID)
        let periods = Periods(now: now, timezone: business.timezone)
        let data = ReportData(db: db, store: store, businessID: businessID, timezone: business.timezone, today: periods.today,
                              from: from, to: to, customerID: customerID, now: now)
        let collected = RowCollector()
        try await data.rowsWithTotals("ledger") { rows in
            collected.add(rows)
            if collected.count > Self.maxPDFRows {
                throw APIError(.unprocessableEntity, "too_many_rows", "This statement has more than \(Self.maxPDFRows) rows; ask the business for a shorter period.")
            }
        }
        let info = catalog.first { $0.id == "ledger" }!
        return try await renderPDF(info: info, rows: collected.rows, businessName: business.name, customerName: customer.name,
                                   from: from, to: to, today: periods.today, app: app)
    }

    static func download(_ response: Response, name: String) -> Response {
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}

final class RowCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var _rows: [[Cell]] = []
    func add(_ rows: [[Cell]]) { lock.withLock { _rows.append(contentsOf: rows) } }
    var rows: [[Cell]] { lock.withLock { _rows } }
    var count: Int { lock.withLock { _rows.count } }
}
