import Fluent
import Vapor

/// HTTP for the other half of the books: parse, authorize, call `BooksService`, map to DTOs.
struct BooksController {
    func register(_ api: any RoutesBuilder) {
        api.on(.suppliers, use: listSuppliers)
        api.on(.supplierCreate, use: createSupplier)
        api.on(.supplier, use: getSupplier)
        api.on(.supplierUpdate, use: updateSupplier)
        api.on(.supplierStatement, use: supplierStatement)

        api.on(.purchases, use: listPurchases)
        api.on(.purchaseCreate, use: createPurchase)
        api.on(.purchase, use: getPurchase)
        api.on(.purchaseVoid, use: voidPurchase)

        api.on(.supplierPayments, use: listSupplierPayments)
        api.on(.supplierPaymentCreate, use: createSupplierPayment)
        api.on(.supplierPayment, use: getSupplierPayment)

        api.on(.expenses, use: listExpenses)
        api.on(.expenseCreate, use: createExpense)
        api.on(.expense, use: getExpense)
        api.on(.expenseDelete, use: deleteExpense)
        api.on(.expenseReceipt, use: getReceipt)
        // The raw file is the body (RequestHygiene lets this path past its JSON check).
        api.on(.expenseReceiptPut, body: .collect(maxSize: ByteCount(integerLiteral: ExpenseReceipt.maxBytes)), use: putReceipt)
        api.on(.expenseReceiptDelete, use: deleteReceipt)
        api.on(.expenseCategories, use: listCategories)
        api.on(.expenseCategoryCreate, use: createCategory)

        api.on(.moneyAccounts, use: listAccounts)
        api.on(.moneyAccountCreate, use: createAccount)
        api.on(.moneyAccount, use: getAccount)
        api.on(.moneyAccountUpdate, use: updateAccount)
        api.on(.moneyAccountEntries, use: accountEntries)
        api.on(.transferCreate, use: createTransfer)

        api.on(.profitAndLoss, use: profitAndLoss)
    }

    static func service(_ req: Request) throws -> BooksService {
        let p = try req.principal
        return BooksService(db: req.db, store: req.store, businessID: p.businessID, userID: p.userID, now: req.now)
    }

    static func period(_ req: Request, _ books: BooksService) async throws -> (from: String?, to: String?) {
        let from = try LedgerController.dateQuery(req, "from"), to = try LedgerController.dateQuery(req, "to")
        if let from, let to, from > to { throw APIError.validation("from", "must not be after to") }
        return (from, to)
    }

    // MARK: suppliers

    @Sendable func listSuppliers(req: Request) async throws -> Page<SupplierDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = Supplier.query(on: req.db).filter(\.$businessID == p.businessID)
        if try LedgerController.boolQuery(req, "archived") == true { query = query.filter(\.$archivedAt != nil) } else { query = query.filter(\.$archivedAt == nil) }
        if try LedgerController.boolQuery(req, "payable") == true { query = query.filter(\.$balance > 0).sort(\.$balance, .descending) }
        if let q = LedgerController.q(req) {
            query = query.group(.or) {
                $0.filter(.sql(ContainsIgnoringCase(column: "name", term: q))).filter(.sql(ContainsIgnoringCase(column: "phone", term: q)))
            }
        }
        let rows = page.page(try await query.sort(\.$nameKey).sort(\.$id).paged(page).all())
        return Page(items: try await BooksViews.suppliers(rows.items, businessID: p.businessID, on: req.db), nextCursor: rows.nextCursor)
    }

    @Sendable func createSupplier(req: Request) async throws -> Response {
        let input = try req.content.decode(SupplierInput.self)
        let books = try Self.service(req)
        let businessID = books.businessID
        let dto = try await books.committing({ try await $0.createSupplier(input) }) { s, tx in
            try await BooksViews.suppliers([s], businessID: businessID, on: tx)[0]
        }
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func getSupplier(req: Request) async throws -> SupplierDTO {
        let books = try Self.service(req)
        return try await BooksViews.suppliers([try await books.supplier(try LedgerController.id(req))], businessID: books.businessID, on: req.db)[0]
    }

    @Sendable func updateSupplier(req: Request) async throws -> SupplierDTO {
        let id = try LedgerController.id(req)
        let patch = try req.content.decode(SupplierPatch.self)
        let books = try Self.service(req)
        return try await BooksViews.suppliers([try await books.updateSupplier(id, patch)], businessID: books.businessID, on: req.db)[0]
    }

    @Sendable func supplierStatement(req: Request) async throws -> SupplierStatementDTO {
        let books = try Self.service(req)
        let id = try LedgerController.id(req)
        let (from, to) = try await Self.period(req, books)
        let st = try await books.statement(id, from: from, to: to)
        let supplier = try await BooksViews.suppliers([st.supplier], businessID: books.businessID, on: req.db)[0]
        return SupplierStatementDTO(
            supplier: supplier, from: from, to: to, openingBalance: st.opening, closingBalance: st.closing,
            entries: st.lines.map { l, balance in
                SupplierStatementEntryDTO(date: l.date, kind: l.kind, reference: l.reference, description: l.description, credit: l.credit,
                                          debit: l.debit, balance: balance, purchaseId: l.kind == "payment" ? nil : l.sourceID,
                                          paymentId: l.kind == "payment" ? l.sourceID : nil)
            })
    }

    // MARK: purchases

    @Sendable func listPurchases(req: Request) async throws -> Page<PurchaseDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = PurchaseBill.query(on: req.db).filter(\.$businessID == p.businessID)
        if let sid = try LedgerController.uuidQuery(req, "supplier_id") { query = query.filter(\.$supplierID == sid) }
        if let from = try LedgerController.dateQuery(req, "from") { query = query.filter(\.$billDate >= from) }
        if let to = try LedgerController.dateQuery(req, "to") { query = query.filter(\.$billDate <= to) }
        if let raw = req.query[String.self, at: "status"], !raw.isEmpty {
            var statuses: [PurchaseStatus] = []
            for part in raw.split(separator: ",") {
                guard let s = PurchaseStatus(rawValue: String(part)) else {
                    throw APIError.validation("status", "must be unpaid, partially_paid, paid or void (comma-separated)")
                }
                statuses.append(s)
            }
            query = query.filter(\.$status ~~ statuses)
        }
        let rows = page.page(try await query.sort(\.$billDate, .descending).sort(\.$createdAt, .descending).sort(\.$id).paged(page).all())
        return Page(items: try await BooksViews.purchases(rows.items, businessID: p.businessID, on: req.db), nextCursor: rows.nextCursor)
    }

    @Sendable func createPurchase(req: Request) async throws -> Response {
        let input = try req.content.decode(PurchaseInput.self)
        let books = try Self.service(req)
        let businessID = books.businessID
        let dto = try await books.committing({ try await $0.recordPurchase(input) }) { bill, tx in
            try await BooksViews.purchases([bill], businessID: businessID, on: tx)[0]
        }
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func getPurchase(req: Request) async throws -> PurchaseDTO {
        let books = try Self.service(req)
        return try await BooksViews.purchases([try await books.bill(try LedgerController.id(req))], businessID: books.businessID, on: req.db)[0]
    }

    @Sendable func voidPurchase(req: Request) async throws -> PurchaseDTO {
        let id = try LedgerController.id(req)
        let input = try LedgerController.optionalBody(req, VoidInput.self) ?? VoidInput()
        let books = try Self.service(req)
        let businessID = books.businessID
        return try await books.committing({ try await $0.voidPurchase(id, reason: input.reason) }) { bill, tx in
            try await BooksViews.purchases([bill], businessID: businessID, on: tx)[0]
        }
    }

    // MARK: supplier payments

    @Sendable func listSupplierPayments(req: Request) async throws -> Page<SupplierPaymentDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = SupplierPayment.query(on: req.db).filter(\.$businessID == p.businessID)
        if let sid = try LedgerController.uuidQuery(req, "supplier_id") { query = query.filter(\.$supplierID == sid) }
        if let from = try LedgerController.dateQuery(req, "from") { query = query.filter(\.$paidOn >= from) }
        if let to = try LedgerController.dateQuery(req, "to") { query = query.filter(\.$paidOn <= to) }
        let rows = page.page(try await query.sort(\.$createdAt, .descending).sort(\.$id).paged(page).all())
        return Page(items: try await BooksViews.supplierPayments(rows.items, businessID: p.businessID, on: req.db), nextCursor: rows.nextCursor)
    }

    @Sendable func createSupplierPayment(req: Request) async throws -> Response {
        let input = try req.content.decode(SupplierPaymentInput.self)
        let books = try Self.service(req)
        let businessID = books.businessID
        let dto = try await books.committing({ try await $0.recordSupplierPayment(input) }) { payment, tx in
            try await BooksViews.supplierPayments([payment], businessID: businessID, on: tx)[0]
        }
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func getSupplierPayment(req: Request) async throws -> SupplierPaymentDTO {
        let books = try Self.service(req)
        let payment = try await books.supplierPayment(try LedgerController.id(req))
        return try await BooksViews.supplierPayments([payment], businessID: books.businessID, on: req.db)[0]
    }

    // MARK: expenses

    @Sendable func listExpenses(req: Request) async throws -> Page<ExpenseDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var query = Expense.query(on: req.db).filter(\.$businessID == p.businessID)
        if let from = try LedgerController.dateQuery(req, "from") { query = query.filter(\.$spentOn >= from) }
        if let to = try LedgerController.dateQuery(req, "to") { query = query.filter(\.$spentOn <= to) }
        if let c = req.query[String.self, at: "category"]?.trimmingCharacters(in: .whitespaces), !c.isEmpty {
            query = query.filter(.sql(ContainsIgnoringCase(column: "category", term: String(c.prefix(60)))))
        }
        return page.page(try await query.sort(\.$spentOn, .descending).sort(\.$createdAt, .descending).sort(\.$id).paged(page).all()
            .map(ExpenseDTO.init))
    }

    @Sendable func createExpense(req: Request) async throws -> Response {
        let input = try req.content.decode(ExpenseInput.self)
        return try await ExpenseDTO(try await Self.service(req).recordExpense(input)).encodeResponse(status: .created, for: req)
    }

    @Sendable func getExpense(req: Request) async throws -> ExpenseDTO {
        ExpenseDTO(try await Self.service(req).expense(try LedgerController.id(req)))
    }

    @Sendable func deleteExpense(req: Request) async throws -> HTTPStatus {
        try await Self.service(req).deleteExpense(try LedgerController.id(req))
        return .noContent
    }

    @Sendable func putReceipt(req: Request) async throws -> ExpenseDTO {
        let id = try LedgerController.id(req)
        let type = req.headers.contentType.map { "\($0.type)/\($0.subType)".lowercased() }
        let data = req.body.data.map { Data($0.readableBytesView) } ?? Data()
        return ExpenseDTO(try await Self.service(req).attachReceipt(expenseID: id, declaredType: type, data: data))
    }

    /// The receipt as stored, shown in the browser (`?download=1` saves it instead). The global
    /// Content-Security-Policy and nosniff headers apply; the type is the one its bytes showed.
    @Sendable func getReceipt(req: Request) async throws -> Response {
        let books = try Self.service(req)
        let id = try LedgerController.id(req)
        let receipt = try await books.receipt(expenseID: id)
        let expense = try await books.expense(id)
        let ext = receipt.contentType == "application/pdf" ? "pdf" : receipt.contentType == "image/png" ? "png" : "jpg"
        let response = Response(status: .ok, body: .init(data: receipt.data))
        response.headers.replaceOrAdd(name: .contentType, value: receipt.contentType)
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        let disposition = req.query[String.self, at: "download"] == "1" ? "attachment" : "inline"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "\(disposition); filename=\"receipt-\(expense.spentOn).\(ext)\"")
        return response
    }

    @Sendable func deleteReceipt(req: Request) async throws -> HTTPStatus {
        try await Self.service(req).removeReceipt(expenseID: try LedgerController.id(req))
        return .noContent
    }

    @Sendable func listCategories(req: Request) async throws -> CategoryListDTO {
        CategoryListDTO(items: try await Self.service(req).categories().map { CategoryDTO(name: $0.name, custom: $0.custom) })
    }

    @Sendable func createCategory(req: Request) async throws -> Response {
        let input = try req.content.decode(CategoryInput.self)
        let name = try await Self.service(req).createCategory(input)
        return try await CategoryDTO(name: name, custom: true).encodeResponse(status: .created, for: req)
    }

    // MARK: accounts

    @Sendable func listAccounts(req: Request) async throws -> MoneyAccountListDTO {
        let accounts = try await Self.service(req).accounts()
        var total: Int64 = 0
        for a in accounts { total = try Money.add(total, a.balance, field: "total") }
        return MoneyAccountListDTO(items: accounts.map(MoneyAccountDTO.init), total: total)
    }

    @Sendable func createAccount(req: Request) async throws -> Response {
        let input = try req.content.decode(MoneyAccountInput.self)
        return try await MoneyAccountDTO(try await Self.service(req).createAccount(input)).encodeResponse(status: .created, for: req)
    }

    @Sendable func getAccount(req: Request) async throws -> MoneyAccountDTO {
        MoneyAccountDTO(try await Self.service(req).account(try LedgerController.id(req)))
    }

    @Sendable func updateAccount(req: Request) async throws -> MoneyAccountDTO {
        let id = try LedgerController.id(req)
        let patch = try req.content.decode(MoneyAccountPatch.self)
        return MoneyAccountDTO(try await Self.service(req).updateAccount(id, patch))
    }

    @Sendable func accountEntries(req: Request) async throws -> AccountBookDTO {
        let books = try Self.service(req)
        let id = try LedgerController.id(req)
        let (from, to) = try await Self.period(req, books)
        let book = try await books.book(id, from: from, to: to)
        var totalIn: Int64 = 0, totalOut: Int64 = 0
        for (e, _) in book.entries {
            if e.amount >= 0 { totalIn = try Money.add(totalIn, e.amount, field: "total") } else { totalOut = try Money.add(totalOut, -e.amount, field: "total") }
        }
        return AccountBookDTO(
            account: MoneyAccountDTO(book.account), from: from, to: to, openingBalance: book.opening, closingBalance: book.closing,
            totalIn: totalIn, totalOut: totalOut,
            entries: book.entries.map { e, balance in
                AccountEntryDTO(id: e.id!, date: e.entryDate, kind: e.kind, description: e.description, moneyIn: max(0, e.amount),
                                moneyOut: max(0, -e.amount), balance: balance, sourceId: e.sourceID)
            })
    }

    @Sendable func createTransfer(req: Request) async throws -> Response {
        let input = try req.content.decode(TransferInput.self)
        let t = try await Self.service(req).transfer(input)
        return try await TransferDTO(id: t.id, fromAccountId: t.from, toAccountId: t.to, amount: t.amount, date: t.date)
            .encodeResponse(status: .created, for: req)
    }

    // MARK: profit and loss

    @Sendable func profitAndLoss(req: Request) async throws -> ProfitAndLossDTO {
        let books = try Self.service(req)
        let (fromQ, toQ) = try await Self.period(req, books)
        let periods = Periods(today: try await books.today())
        let from = fromQ ?? periods.range("this_month").0
        let to = toQ ?? periods.today
        guard from <= to else { throw APIError.validation("from", "must not be after to") }
        let days = Periods.daysBetween(from, to)
        guard days <= 3660 else { throw APIError.validation("from", "the period can be at most 10 years") }
        let current = try await books.profitAndLoss(from: from, to: to)
        let prevTo = Periods.add(days: -1, to: from), prevFrom = Periods.add(days: -(days + 1), to: from)
        let previous = try await books.profitAndLoss(from: prevFrom, to: prevTo)
        return ProfitAndLossDTO(
            from: from, to: to, sales: current.sales, costOfGoodsSold: current.costOfGoodsSold, grossProfit: current.grossProfit,
            expenses: current.expenses, expensesByCategory: current.byCategory.map { CategoryTotalDTO(category: $0.category, amount: $0.amount) },
            netProfit: current.netProfit,
            previous: PeriodFiguresDTO(from: prevFrom, to: prevTo, sales: previous.sales, costOfGoodsSold: previous.costOfGoodsSold,
                                       grossProfit: previous.grossProfit, expenses: previous.expenses, netProfit: previous.netProfit),
            note: "Amounts exclude GST. Cost of goods sold uses each product's average purchase cost at the time of sale.")
    }
}
