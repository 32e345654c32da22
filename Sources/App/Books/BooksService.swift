import Fluent
import Foundation
import SQLKit

/// The other half of the books (issue 16): suppliers, purchase bills, payments to suppliers,
/// expenses, and the cash, bank and UPI accounts every rupee moves through. Every change runs in
/// one transaction with the balances it moves (supplier payable, account balance, stock and
/// average cost through `LedgerService`).
///
/// Lock order on PostgreSQL, extending the ledger's: business row → supplier row (balance) → bill
/// row (status) → product rows (sorted by id) → account rows (sorted by id). Balances change by
/// SQL increments, never read-modify-write.
struct BooksService: Sendable {
    let db: any Database
    let store: Store
    let businessID: UUID
    let userID: UUID?
    let now: Date
    /// When true, `db` is an open transaction owned by the caller; writes run on it directly.
    let inTransaction: Bool

    init(db: any Database, store: Store, businessID: UUID, userID: UUID?, now: Date, inTransaction: Bool = false) {
        self.db = db
        self.store = store
        self.businessID = businessID
        self.userID = userID
        self.now = now
        self.inTransaction = inTransaction
    }

    /// The same service inside the transaction `tx`.
    func within(_ tx: any Database) -> BooksService {
        BooksService(db: tx, store: store, businessID: businessID, userID: userID, now: now, inTransaction: true)
    }

    /// The default expense categories every business has; the owner adds more.
    static let defaultCategories = ["Rent", "Salary", "Electricity", "Transport", "Repairs", "Other"]

    private var ledger: LedgerService {
        LedgerService(db: db, store: store, businessID: businessID, userID: userID, now: now, inTransaction: inTransaction)
    }

    /// One transaction (retried on a lost deadlock like the ledger's), or the caller's.
    func write<T: Sendable>(_ body: @escaping @Sendable (BooksService) async throws -> T) async throws -> T {
        let me = self
        return try await ledger.write { tx in try await body(me.within(tx)) }
    }

    /// Runs `effect` and builds its reply (`view`) in one transaction, so a committed purchase or
    /// payment is never answered with 503 because the read after it waited too long (a 503 means
    /// nothing happened).
    func committing<Made: Sendable, View: Sendable>(
        _ effect: @escaping @Sendable (BooksService) async throws -> Made,
        view: @escaping @Sendable (Made, any Database) async throws -> View
    ) async throws -> View {
        try await write { books in
            let made = try await effect(books)
            return try await view(made, books.db)
        }
    }

    func today() async throws -> String {
        Validate.localDate(now, timezone: try await AccountsService(db: db).business(businessID).timezone)
    }

    // MARK: look-ups (always scoped to the business)

    func supplier(_ id: UUID) async throws -> Supplier {
        guard let s = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Supplier")
        }
        return s
    }

    /// Active suppliers by name (the assistant's catalog).
    func activeSuppliers(limit: Int) async throws -> [Supplier] {
        try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil)
            .sort(\.$name).range(..<limit).all()
    }

    /// Active suppliers whose name contains `name` or starts with its first word (the assistant's
    /// "how much do I owe Ambuja").
    func suppliers(matching name: String) async throws -> [Supplier] {
        let key = Product.key(for: name)
        guard !key.isEmpty else { return [] }
        let all = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil).all()
        let exact = all.filter { $0.nameKey == key }
        if !exact.isEmpty { return exact }
        return all.filter { $0.nameKey.contains(key) || $0.nameKey.split(separator: " ").first.map { key.hasPrefix(String($0)) } == true }
    }

    func bill(_ id: UUID) async throws -> PurchaseBill {
        guard let b = try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Purchase")
        }
        return b
    }

    func supplierPayment(_ id: UUID) async throws -> SupplierPayment {
        guard let p = try await SupplierPayment.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Supplier payment")
        }
        return p
    }

    func expense(_ id: UUID) async throws -> Expense {
        guard let e = try await Expense.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Expense")
        }
        return e
    }

    func account(_ id: UUID) async throws -> MoneyAccount {
        guard let a = try await MoneyAccount.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Account")
        }
        return a
    }

    // MARK: accounts

    /// The business's accounts, cash in hand first; the cash account is made on first use.
    func accounts(includeArchived: Bool = false) async throws -> [MoneyAccount] {
        _ = try await cashAccount()
        var q = MoneyAccount.query(on: db).filter(\.$businessID == businessID)
        if !includeArchived { q = q.filter(\.$archivedAt == nil) }
        let all = try await q.sort(\.$createdAt).sort(\.$id).all()
        return all.filter { $0.systemKey == "cash" } + all.filter { $0.systemKey != "cash" }
    }

    /// "Cash in hand": every business has exactly one (a unique key makes concurrent first uses safe).
    func cashAccount() async throws -> MoneyAccount {
        if let a = try await MoneyAccount.query(on: db).filter(\.$businessID == businessID).filter(\.$systemKey == "cash").first() { return a }
        let businessID = businessID, now = now
        try await write { books in
            try await books.db.sql.insert(into: MoneyAccount.schema)
            .columns("id", "business_id", "name", "name_key", "kind", "opening_balance", "balance", "system_key", "created_at")
            .values(SQLBind(UUID()), SQLBind(businessID), SQLBind("Cash in hand"), SQLBind("cash in hand"), SQLBind(MoneyAccountKind.cash.rawValue),
                    SQLBind(Int64(0)), SQLBind(Int64(0)), SQLBind("cash"), SQLBind(now))
            .ignoringConflicts(with: ["business_id", "system_key"])
            .run()
        }
        guard let a = try await MoneyAccount.query(on: db).filter(\.$businessID == businessID).filter(\.$systemKey == "cash").first() else {
            throw APIError.notFound("Account")
        }
        return a
    }

    func createAccount(_ input: MoneyAccountInput) async throws -> MoneyAccount {
        var errors = FieldErrors()
        let a = MoneyAccount()
        a.businessID = businessID
        a.kind = input.kind
        if let name = errors.check("name", Validate.text(input.name, max: 80)) {
            if let name { a.name = name; a.nameKey = Product.key(for: name) } else { errors.add("name", "is required") }
        }
        if let raw = input.last4?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if raw.count == 4, raw.allSatisfy({ $0.isASCII && $0.isNumber }) { a.last4 = raw } else { errors.add("last4", "must be the last 4 digits of the account number") }
        }
        let opening = input.openingBalance ?? 0
        if opening.magnitude > UInt64(Bounds.maxAmount) { errors.tooLarge("opening_balance") }
        a.openingBalance = opening
        a.balance = opening
        a.createdAt = now
        try errors.throwIfAny()
        _ = try await cashAccount()
        do {
            try await write { books in
                try await a.create(on: books.db)
                IdempotencyScope.made(Endpoint.moneyAccount.path(a.id!), status: 201)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw APIError.conflict("duplicate", "An account with this name already exists.", details: ["field": "name"])
        }
        return a
    }

    /// Renames an account, sets its last digits or opening balance (the balance moves by the same
    /// difference), or archives it. Cash in hand cannot be archived: it is where cash goes.
    func updateAccount(_ id: UUID, _ patch: MoneyAccountPatch) async throws -> MoneyAccount {
        let a = try await account(id)
        var errors = FieldErrors()
        switch patch.name {
        case .absent: break
        case .null: errors.add("name", "is required")
        case .value(let v):
            if let t = errors.check("name", Validate.text(v, max: 80)) { if let t { a.name = t; a.nameKey = Product.key(for: t) } else { errors.add("name", "is required") } }
        }
        switch patch.last4 {
        case .absent: break
        case .null: a.last4 = nil
        case .value(let raw):
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { a.last4 = nil } else if t.count == 4, t.allSatisfy({ $0.isASCII && $0.isNumber }) { a.last4 = t } else { errors.add("last4", "must be the last 4 digits of the account number") }
        }
        var delta: Int64 = 0
        switch patch.openingBalance {
        case .absent: break
        case .null: errors.add("opening_balance", "must be a number")
        case .value(let v):
            if v.magnitude > UInt64(Bounds.maxAmount) { errors.tooLarge("opening_balance") } else { delta = v - a.openingBalance; a.openingBalance = v }
        }
        if case .value(let archived) = patch.archived {
            if archived && a.systemKey == "cash" { errors.add("archived", "Cash in hand cannot be archived") }
            a.archivedAt = archived ? (a.archivedAt ?? now) : nil
        }
        try errors.throwIfAny()
        let businessID = businessID, change = delta
        do {
            try await write { books in
                try await books.db.sql.update(MoneyAccount.schema)
                    .set("name", to: a.name).set("name_key", to: a.nameKey).set("last4", to: a.last4)
                    .set("opening_balance", to: a.openingBalance).set("archived_at", to: a.archivedAt)
                    .set(SQLIdentifier("balance"), to: SQLBinaryExpression(SQLIdentifier("balance"), .add, SQLBind(change)))
                    .where("id", .equal, id).where("business_id", .equal, businessID).run()
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw APIError.conflict("duplicate", "An account with this name already exists.", details: ["field": "name"])
        }
        return try await account(id)
    }

    /// The account money of `mode` goes to when none is named: cash for cash; the first UPI
    /// account (else the first bank) for UPI; the first bank account (else UPI) for bank transfers,
    /// cards and cheques; cash for anything else or when the business has no such account.
    func defaultAccount(for mode: PaymentMode) async throws -> MoneyAccount {
        let active = try await accounts()
        func first(_ kind: MoneyAccountKind) -> MoneyAccount? { active.first { $0.kind == kind && $0.systemKey != "cash" } }
        switch mode {
        case .upi: if let a = first(.upi) ?? first(.bank) { return a }
        case .bank, .card, .cheque: if let a = first(.bank) ?? first(.upi) { return a }
        case .cash, .other: break
        }
        return try await cashAccount()
    }

    /// Posts `amount` (positive: money in) to the named account, or the mode's default, and moves
    /// its balance; returns the account's id. Runs inside the caller's transaction (`db`).
    @discardableResult
    func post(_ amount: Int64, to accountID: UUID?, mode: PaymentMode, kind: EntryKind, sourceID: UUID, date: String,
              description: String, on tx: any Database) async throws -> UUID {
        let books = within(tx)
        let account: MoneyAccount
        if let accountID {
            guard let a = try await MoneyAccount.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == accountID).first() else {
                throw APIError.validation("account_id", "is not an account of this business")
            }
            if a.archivedAt != nil { throw APIError.validation("account_id", "is archived") }
            account = a
        } else {
            account = try await books.defaultAccount(for: mode)
        }
        try await books.insertEntry(account.id!, amount: amount, kind: kind, sourceID: sourceID, date: date, description: description)
        return account.id!
    }

    func insertEntry(_ accountID: UUID, amount: Int64, kind: EntryKind, sourceID: UUID?, date: String, description: String) async throws {
        let rows = try await db.sql.update(MoneyAccount.schema)
            .set(SQLIdentifier("balance"), to: SQLBinaryExpression(SQLIdentifier("balance"), .add, SQLBind(amount)))
            .where("id", .equal, accountID).where("business_id", .equal, businessID)
            .returning("balance").all()
        guard let after = try rows.first?.decode(column: "balance", as: Int64.self) else { throw APIError.notFound("Account") }
        if after.magnitude > UInt64(Bounds.maxAmount) * 100 { throw APIError.amountTooLarge(["amount": "makes the account's balance too large"]) }
        let e = AccountEntry()
        e.businessID = businessID
        e.accountID = accountID
        e.entryDate = date
        e.amount = amount
        e.kind = kind
        e.sourceID = sourceID
        e.description = String(description.prefix(300))
        e.createdAt = now
        try await e.create(on: db)
    }

    /// Removes the entries a source made (a deleted expense) and takes them out of the balances.
    func removeEntries(sourceID: UUID) async throws {
        let entries = try await AccountEntry.query(on: db).filter(\.$businessID == businessID).filter(\.$sourceID == sourceID).all()
        for e in entries {
            try await db.sql.update(MoneyAccount.schema)
                .set(SQLIdentifier("balance"), to: SQLBinaryExpression(SQLIdentifier("balance"), .subtract, SQLBind(e.amount)))
                .where("id", .equal, e.accountID).where("business_id", .equal, businessID).run()
        }
        try await AccountEntry.query(on: db).filter(\.$businessID == businessID).filter(\.$sourceID == sourceID).delete()
    }

    struct Transfer: Sendable {
        let id: UUID
        let from: UUID
        let to: UUID
        let amount: Int64
        let date: String
    }

    /// Money moved between two accounts (cash deposited in the bank): two entries, one source.
    func transfer(_ input: TransferInput) async throws -> Transfer {
        var errors = FieldErrors()
        errors.amount("amount", input.amount, positive: true)
        let date = try input.date.map { raw -> String in
            guard let d = errors.check("date", Validate.date(raw)) else { return "" }
            return d
        }
        let note = errors.check("note", Validate.text(input.note, max: 200)) ?? nil
        if input.fromAccountId == input.toAccountId { errors.add("to_account_id", "must be another account than from_account_id") }
        try errors.throwIfAny()
        let today = try await today()
        let id = UUID(), day = date ?? today
        try await write { books in
            let from = try await books.account(input.fromAccountId), to = try await books.account(input.toAccountId)
            for a in [from, to] where a.archivedAt != nil { throw APIError.validation(a.id == from.id ? "from_account_id" : "to_account_id", "is archived") }
            // Accounts in id order, as every writer takes them.
            let out = (from.id!, -input.amount, EntryKind.transferOut, note ?? "To \(to.name)")
            let inn = (to.id!, input.amount, EntryKind.transferIn, note ?? "From \(from.name)")
            for (account, amount, kind, text) in [out, inn].sorted(by: { $0.0.uuidString < $1.0.uuidString }) {
                try await books.insertEntry(account, amount: amount, kind: kind, sourceID: id, date: day, description: text)
            }
        }
        return Transfer(id: id, from: input.fromAccountId, to: input.toAccountId, amount: input.amount, date: day)
    }

    struct Book: Sendable {
        let account: MoneyAccount
        let opening: Int64
        let entries: [(entry: AccountEntry, balance: Int64)]
        let closing: Int64
    }

    /// A cash book or bank book: the account's entries in the period with a running balance.
    func book(_ accountID: UUID, from: String?, to: String?) async throws -> Book {
        let account = try await account(accountID)
        let before = from.map { f in AccountEntry.query(on: db).filter(\.$accountID == accountID).filter(\.$entryDate < f) }
        var opening = account.openingBalance
        if let before {
            for amount in try await before.all(\.$amount) { opening = try Money.add(opening, amount, field: "balance") }
        }
        var q = AccountEntry.query(on: db).filter(\.$businessID == businessID).filter(\.$accountID == accountID)
        if let from { q = q.filter(\.$entryDate >= from) }
        if let to { q = q.filter(\.$entryDate <= to) }
        var running = opening
        var out: [(AccountEntry, Int64)] = []
        for e in try await q.sort(\.$entryDate).sort(\.$createdAt).sort(\.$id).all() {
            running = try Money.add(running, e.amount, field: "balance")
            out.append((e, running))
        }
        return Book(account: account, opening: opening, entries: out, closing: running)
    }

    // MARK: suppliers

    func createSupplier(_ input: SupplierInput) async throws -> Supplier {
        var errors = FieldErrors()
        let s = Supplier()
        s.businessID = businessID
        if let name = errors.check("name", Validate.text(input.name, max: 120)) {
            if let name { s.name = name; s.nameKey = Product.key(for: name) } else { errors.add("name", "is required") }
        }
        s.phone = optional("phone", input.phone, &errors, Validate.phone)
        s.gstin = optional("gstin", input.gstin, &errors, Validate.gstin)
        s.state = optional("state", input.state, &errors, Validate.state)
        if s.state == nil, let g = s.gstin, let st = Validate.states.first(where: { $0.code == String(g.prefix(2)) }) { s.state = st.name }
        s.address = errors.check("address", Validate.text(input.address, max: 500)) ?? nil
        let opening = input.openingBalance ?? 0
        if opening.magnitude > UInt64(Bounds.maxAmount) { errors.tooLarge("opening_balance") }
        s.openingBalance = opening
        s.balance = opening
        try errors.throwIfAny()
        try await unique("A supplier with this name already exists.", field: "name") {
            try await write { books in
                try await s.create(on: books.db)
                IdempotencyScope.made(Endpoint.supplier.path(s.id!), status: 201)
            }
        }
        return s
    }

    func updateSupplier(_ id: UUID, _ patch: SupplierPatch) async throws -> Supplier {
        let s = try await supplier(id)
        var errors = FieldErrors()
        switch patch.name {
        case .absent: break
        case .null: errors.add("name", "is required")
        case .value(let v):
            if let t = errors.check("name", Validate.text(v, max: 120)) { if let t { s.name = t; s.nameKey = Product.key(for: t) } else { errors.add("name", "is required") } }
        }
        patchOptional("phone", patch.phone, &errors, Validate.phone) { s.phone = $0 }
        patchOptional("gstin", patch.gstin, &errors, Validate.gstin) { s.gstin = $0 }
        patchOptional("state", patch.state, &errors, Validate.state) { s.state = $0 }
        patchOptional("address", patch.address, &errors, { $0.count <= 500 ? .success($0) : .failure("must be at most 500 characters") }) { s.address = $0 }
        if case .value(let archived) = patch.archived { s.archivedAt = archived ? (s.archivedAt ?? now) : nil }
        try errors.throwIfAny()
        let businessID = businessID, now = now
        try await unique("A supplier with this name already exists.", field: "name") {
            try await write { books in
                // Profile columns only: the balance moves by increments elsewhere.
                try await Supplier.query(on: books.db).filter(\.$businessID == businessID).filter(\.$id == id)
                    .set(\.$name, to: s.name).set(\.$nameKey, to: s.nameKey).set(\.$phone, to: s.phone).set(\.$gstin, to: s.gstin)
                    .set(\.$state, to: s.state).set(\.$address, to: s.address).set(\.$archivedAt, to: s.archivedAt).set(\.$updatedAt, to: now)
                    .update()
            }
        }
        return try await supplier(id)
    }

    private func addPayable(_ supplierID: UUID, _ delta: Int64) async throws {
        let rows = try await db.sql.update(Supplier.schema)
            .set(SQLIdentifier("balance"), to: SQLBinaryExpression(SQLIdentifier("balance"), .add, SQLBind(delta)))
            .set("updated_at", to: now)
            .where("id", .equal, supplierID).where("business_id", .equal, businessID)
            .returning("balance").all()
        guard !rows.isEmpty else { throw APIError.notFound("Supplier") }
    }

    struct StatementLine: Sendable {
        let date: String
        let kind: String
        let reference: String
        let description: String
        /// What the business owes more (a bill).
        let credit: Int64
        /// What it owes less (a payment, a voided bill).
        let debit: Int64
        let sourceID: UUID
        var at: Date
    }

    /// The supplier's account: bills as credits (payable up), payments and voids as debits, with
    /// the running payable. Open ends of the range take every entry.
    func statement(_ supplierID: UUID, from: String?, to: String?) async throws -> (supplier: Supplier, opening: Int64, lines: [(StatementLine, Int64)], closing: Int64) {
        let s = try await supplier(supplierID)
        let tz = try await AccountsService(db: db).business(businessID).timezone
        var all: [StatementLine] = []
        for b in try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$supplierID == supplierID).all() {
            all.append(StatementLine(date: b.billDate, kind: "bill", reference: b.billNumber ?? "—", description: "Purchase \(b.reference)",
                                     credit: b.total, debit: 0, sourceID: b.id!, at: b.createdAt))
            if b.status == .void, let v = b.voidedAt {
                all.append(StatementLine(date: Validate.localDate(v, timezone: tz), kind: "void", reference: b.billNumber ?? "—",
                                         description: "Voided \(b.reference)", credit: 0, debit: b.total, sourceID: b.id!, at: v))
            }
        }
        for p in try await SupplierPayment.query(on: db).filter(\.$businessID == businessID).filter(\.$supplierID == supplierID).all() {
            all.append(StatementLine(date: p.paidOn, kind: "payment", reference: p.reference ?? p.mode.rawValue.uppercased(),
                                     description: "Paid by \(p.mode.inSentence)", credit: 0, debit: p.amount, sourceID: p.id!, at: p.createdAt))
        }
        // By date, then time; entries of the same instant: bills, payments, voids.
        func rank(_ kind: String) -> Int { kind == "bill" ? 0 : kind == "payment" ? 1 : 2 }
        all.sort { ($0.date, $0.at, rank($0.kind), $0.sourceID.uuidString) < ($1.date, $1.at, rank($1.kind), $1.sourceID.uuidString) }
        var opening = s.openingBalance
        var lines: [(StatementLine, Int64)] = []
        var running = opening
        for l in all {
            if let from, l.date < from {
                opening = try Money.add(opening, l.credit - l.debit, field: "balance")
                running = opening
                continue
            }
            if let to, l.date > to { continue }
            running = try Money.add(running, l.credit - l.debit, field: "balance")
            lines.append((l, running))
        }
        return (s, opening, lines, running)
    }

    // MARK: purchases

    struct Line: Sendable {
        var productID: UUID?
        var productName: String?
        var unit: String?
        var salePrice: Int64?
        var description: String
        var quantity: Int64
        var unitCost: Int64
        var gstRateBP: Int64?
        var hsn: String?
        var taxable: Int64
        var tax: Int64
        var total: Int64
    }

    /// GST on a purchase line, the same maths as sales: within the state CGST and SGST are equal
    /// halves (each half rounded), across states one IGST amount.
    static func tax(on taxable: Int64, basisPoints bp: Int64, interState: Bool) -> Int64? {
        Money.gst(on: taxable, basisPoints: bp, interState: interState)?.total
    }

    func recordPurchase(_ input: PurchaseInput) async throws -> PurchaseBill {
        var errors = FieldErrors()
        if input.items.isEmpty { errors.add("items", "needs at least one line") }
        if input.items.count > 200 { errors.add("items", "can have at most 200 lines") }
        let billNumber = errors.check("bill_number", Validate.text(input.billNumber, max: 40)) ?? nil
        let billDate = optional("bill_date", input.billDate, &errors, Validate.date)
        let notes = errors.check("notes", Validate.text(input.notes, max: 2000)) ?? nil
        let paid = input.amountPaid ?? 0
        if paid < 0 { errors.add("amount_paid", "must not be negative") } else { errors.amount("amount_paid", paid) }
        for (i, line) in input.items.enumerated() {
            let f = "items[\(i)]"
            if line.productId == nil {
                if (Validate.text(line.productName, max: 120).successValue ?? nil) == nil { errors.add("\(f).product_name", "is required for a line without a product_id") }
                if let p = line.salePrice, p < 0 || p > Bounds.maxAmount { errors.add("\(f).sale_price", "must be between 0 and \(Bounds.maxAmountText)") }
            }
            if line.quantity.thousandths <= 0 { errors.add("\(f).quantity", "must be greater than zero") } else { errors.quantity("\(f).quantity", line.quantity) }
            if line.unitCost < 0 { errors.add("\(f).unit_cost", "must not be negative") } else { errors.amount("\(f).unit_cost", line.unitCost) }
            if case .value(let r) = line.gstRate, !(0...Bounds.maxGSTBasisPoints).contains(r.basisPoints) { errors.add("\(f).gst_rate", "must be a percentage between 0 and 40") }
            if let h = line.hsn, !h.isEmpty, case .failure(let p) = LedgerService.validateHSN(h) { errors.add("\(f).hsn", p.text) }
        }
        try errors.throwIfAny()
        let today = try await today()
        let business = try await AccountsService(db: db).business(businessID)
        let billID = UUID()
        let bill = try await write { books in
            let tx = books.db
            let supplier = try await books.supplier(input.supplierId)
            if supplier.archivedAt != nil { throw APIError.validation("supplier_id", "is archived; restore the supplier first") }
            let interState = supplier.state != nil && business.state != nil && supplier.state != business.state
            let ledger = books.ledger
            // Products: the named one, or found or made by name.
            var lines: [Line] = []
            var lineErrors = FieldErrors()
            for (i, line) in input.items.enumerated() {
                let f = "items[\(i)]"
                let product: Product
                if let pid = line.productId {
                    product = try await ledger.product(pid, on: tx)
                    if product.archivedAt != nil { lineErrors.add("\(f).product_id", "is archived; restore it first"); continue }
                } else {
                    let name = (Validate.text(line.productName, max: 120).successValue ?? nil) ?? ""
                    let unit = Validate.text(line.unit, max: 20).successValue ?? nil
                    product = try await ledger.productForPurchase(name: name, unit: unit, salePrice: line.salePrice, on: tx)
                }
                let gst: Int64?
                switch line.gstRate {
                case .absent: gst = product.gstRateBP
                case .null: gst = nil
                case .value(let r): gst = r.basisPoints
                }
                guard let taxable = Money.lineAmount(quantity: line.quantity, unitPrice: line.unitCost), taxable <= Bounds.maxAmount else {
                    lineErrors.tooLarge("\(f).unit_cost", "times the quantity is more than \(Bounds.maxAmountText)"); continue
                }
                let tax = gst.flatMap { Self.tax(on: taxable, basisPoints: $0, interState: interState) } ?? 0
                guard taxable + tax <= Bounds.maxAmount else { lineErrors.tooLarge("\(f).gst_rate", "makes the line total more than \(Bounds.maxAmountText)"); continue }
                let hsn = line.hsn.flatMap { $0.isEmpty ? nil : $0 } ?? product.hsn
                lines.append(Line(productID: product.id, description: product.name, quantity: line.quantity.thousandths,
                                  unitCost: line.unitCost, gstRateBP: gst, hsn: hsn, taxable: taxable, tax: tax, total: taxable + tax))
                lines[lines.count - 1].unit = product.unit
            }
            try lineErrors.throwIfAny()
            let b = PurchaseBill()
            b.id = billID
            b.businessID = books.businessID
            b.supplierID = supplier.id!
            b.billNumber = billNumber
            b.billDate = billDate ?? today
            b.status = .unpaid
            b.interState = interState
            b.subtotal = try Money.sum(lines.map(\.taxable), field: "total")
            b.taxTotal = try Money.sum(lines.map(\.tax), field: "total")
            b.total = try Money.sum(lines.map(\.total), field: "total")
            guard b.total <= Bounds.maxAmount else { throw APIError.amountTooLarge(["total": "of all lines is more than \(Bounds.maxAmountText)"]) }
            if paid > b.total { throw APIError.validation("amount_paid", "must not be more than the bill's total (\(b.total) paise)") }
            b.amountPaid = 0
            b.notes = notes
            b.createdBy = books.userID
            b.createdAt = books.now
            try await b.create(on: tx)
            for (i, l) in lines.enumerated() {
                let item = PurchaseItem()
                item.businessID = books.businessID
                item.billID = billID
                item.position = i
                item.productID = l.productID!
                item.description = l.description
                item.quantity = l.quantity
                item.unit = l.unit ?? "pcs"
                item.unitCost = l.unitCost
                item.gstRateBP = l.gstRateBP
                item.hsn = l.hsn
                item.taxable = l.taxable
                item.tax = l.tax
                item.total = l.total
                try await item.create(on: tx)
            }
            try await books.addPayable(supplier.id!, b.total)
            // Stock and average cost, product rows in id order.
            for l in lines.sorted(by: { $0.productID!.uuidString < $1.productID!.uuidString }) {
                try await ledger.receivePurchase(productID: l.productID!, quantity: l.quantity, unitCost: l.unitCost, purchaseID: billID,
                                                 reference: "\(b.reference) from \(supplier.name)", on: tx)
            }
            if paid > 0 {
                try await books.insertSupplierPayment(supplier: supplier, amount: paid, mode: input.mode ?? .cash, accountID: input.accountId,
                                                      reference: billNumber, paidOn: b.billDate, notes: "Paid with \(b.reference)", preferred: billID)
            } else {
                try await books.settleAdvances(supplier.id!, preferred: billID)
            }
            IdempotencyScope.made(Endpoint.purchase.path(billID), status: 201)
            try await LedgerEvents.emit(.purchaseRecorded, businessID: books.businessID, subject: billID, key: billID.uuidString, now: books.now, on: tx)
            return b
        }
        _ = bill
        return try await self.bill(billID)
    }

    func voidPurchase(_ id: UUID, reason: String?) async throws -> PurchaseBill {
        var errors = FieldErrors()
        let reasonText = errors.check("reason", Validate.text(reason, max: 300)) ?? nil
        try errors.throwIfAny()
        try await write { books in
            let tx = books.db
            let b = try await books.bill(id)
            guard b.status != .void else { throw APIError.conflict("invalid_state", "This purchase is already void.") }
            let supplier = try await books.supplier(b.supplierID)
            try await books.addPayable(b.supplierID, -b.total)
            let changed = try await tx.sql.update(PurchaseBill.schema)
                .set("status", to: PurchaseStatus.void.rawValue).set("voided_at", to: books.now).set("void_reason", to: reasonText)
                .set("amount_paid", to: Int64(0))
                .where("id", .equal, id).where("status", .notEqual, PurchaseStatus.void.rawValue)
                .returning("id").all()
            guard !changed.isEmpty else { throw APIError.conflict("invalid_state", "This purchase was voided meanwhile.") }
            // Money paid against it becomes an advance to the supplier.
            let allocations = try await SupplierAllocation.query(on: tx).filter(\.$businessID == books.businessID)
                .filter(\.$billID == id).filter(\.$releasedAt == nil).all()
            for a in allocations {
                try await SupplierAllocation.query(on: tx).filter(\.$id == a.id!).set(\.$releasedAt, to: books.now).update()
                try await tx.sql.update(SupplierPayment.schema)
                    .set(SQLIdentifier("unallocated"), to: SQLBinaryExpression(SQLIdentifier("unallocated"), .add, SQLBind(a.amount)))
                    .where("id", .equal, a.paymentID).run()
            }
            // Stock goes back out, product rows in id order; 409 when it is already sold.
            let items = try await PurchaseItem.query(on: tx).filter(\.$businessID == books.businessID).filter(\.$billID == id).all()
            for item in items.sorted(by: { ($0.productID.uuidString, $0.position) < ($1.productID.uuidString, $1.position) }) {
                try await books.ledger.reversePurchase(productID: item.productID, quantity: item.quantity, unitCost: item.unitCost, purchaseID: id,
                                                       reference: "\(b.reference) from \(supplier.name)", on: tx)
            }
            try await books.settleAdvances(b.supplierID, preferred: nil)
            IdempotencyScope.made(Endpoint.purchase.path(id), status: 200)
        }
        return try await bill(id)
    }

    // MARK: payments to suppliers

    func recordSupplierPayment(_ input: SupplierPaymentInput) async throws -> SupplierPayment {
        var errors = FieldErrors()
        errors.amount("amount", input.amount, positive: true)
        let reference = errors.check("reference", Validate.text(input.reference, max: 120)) ?? nil
        let notes = errors.check("notes", Validate.text(input.notes, max: 2000)) ?? nil
        let paidOn = optional("paid_on", input.paidOn, &errors, Validate.date)
        try errors.throwIfAny()
        let today = try await today()
        let id = try await write { books in
            let supplier = try await books.supplier(input.supplierId)
            if let bid = input.billId {
                let b = try await books.bill(bid)
                guard b.supplierID == supplier.id else { throw APIError.validation("bill_id", "belongs to another supplier") }
                guard PurchaseStatus.open.contains(b.status) else {
                    throw APIError.conflict("invalid_state", "This purchase is \(b.status.rawValue.replacingOccurrences(of: "_", with: " ")) and cannot take a payment.")
                }
            }
            let id = try await books.insertSupplierPayment(supplier: supplier, amount: input.amount, mode: input.mode, accountID: input.accountId,
                                                           reference: reference, paidOn: paidOn ?? today, notes: notes, preferred: input.billId)
            IdempotencyScope.made(Endpoint.supplierPayment.path(id), status: 201)
            return id
        }
        return try await supplierPayment(id)
    }

    @discardableResult
    func insertSupplierPayment(supplier: Supplier, amount: Int64, mode: PaymentMode, accountID: UUID?, reference: String?, paidOn: String,
                               notes: String?, preferred: UUID?) async throws -> UUID {
        try await addPayable(supplier.id!, -amount)
        let p = SupplierPayment()
        p.id = UUID()
        p.accountID = try await post(-amount, to: accountID, mode: mode, kind: .supplierPayment, sourceID: p.id!, date: paidOn,
                                     description: "Paid \(supplier.name)", on: db)
        p.businessID = businessID
        p.supplierID = supplier.id!
        p.amount = amount
        p.mode = mode
        p.reference = reference
        p.paidOn = paidOn
        p.notes = notes
        p.unallocated = amount
        p.createdBy = userID
        p.createdAt = now
        try await p.create(on: db)
        try await settleAdvances(supplier.id!, preferred: preferred)
        return p.id!
    }

    /// Applies the supplier's unallocated payments (oldest first) to open bills (the preferred one
    /// first, then oldest first), as customer payments settle invoices.
    func settleAdvances(_ supplierID: UUID, preferred: UUID?) async throws {
        // A zero-total bill (free goods) is paid as soon as it is recorded.
        try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$supplierID == supplierID)
            .filter(\.$status ~~ PurchaseStatus.open).filter(\.$total == 0).set(\.$status, to: .paid).update()
        let advances = try await SupplierPayment.query(on: db).filter(\.$businessID == businessID).filter(\.$supplierID == supplierID)
            .filter(\.$unallocated > 0).sort(\.$createdAt).sort(\.$id).all()
        var open = try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$supplierID == supplierID)
            .filter(\.$status ~~ PurchaseStatus.open).sort(\.$billDate).sort(\.$createdAt).sort(\.$id).all()
        if let preferred, let i = open.firstIndex(where: { $0.id == preferred }) { open.insert(open.remove(at: i), at: 0) }
        var index = 0
        for advance in advances {
            var left = advance.unallocated
            while left > 0, index < open.count {
                let b = open[index]
                let due = b.total - b.amountPaid
                if due <= 0 { index += 1; continue }
                let share = min(due, left)
                let a = SupplierAllocation()
                a.businessID = businessID
                a.paymentID = advance.id!
                a.billID = b.id!
                a.amount = share
                a.createdAt = now
                try await a.create(on: db)
                b.amountPaid += share
                left -= share
                b.status = b.amountPaid >= b.total ? .paid : .partiallyPaid
                try await PurchaseBill.query(on: db).filter(\.$id == b.id!).set(\.$amountPaid, to: b.amountPaid).set(\.$status, to: b.status).update()
                if b.status == .paid { index += 1 }
            }
            if left != advance.unallocated {
                try await SupplierPayment.query(on: db).filter(\.$id == advance.id!).set(\.$unallocated, to: left).update()
            }
            if index >= open.count { break }
        }
    }

    // MARK: expenses

    /// Default categories, then the owner's, by name.
    func categories() async throws -> [(name: String, custom: Bool)] {
        let custom = try await ExpenseCategory.query(on: db).filter(\.$businessID == businessID).sort(\.$nameKey).all()
        return Self.defaultCategories.map { ($0, false) } + custom.map { ($0.name, true) }
    }

    func createCategory(_ input: CategoryInput) async throws -> String {
        var errors = FieldErrors()
        let name = (errors.check("name", Validate.text(input.name, max: 60)) ?? nil) ?? ""
        if name.isEmpty && errors.fields.isEmpty { errors.add("name", "is required") }
        try errors.throwIfAny()
        if Self.defaultCategories.contains(where: { Product.key(for: $0) == Product.key(for: name) }) {
            throw APIError.conflict("duplicate", "\(name) is already a category.", details: ["field": "name"])
        }
        try await unique("\(name) is already a category.", field: "name") {
            try await write { books in _ = try await books.category(named: name, create: true) }
        }
        return name
    }

    /// The canonical name of a category (ignoring case); with `create`, a new one is added.
    func category(named raw: String, create: Bool) async throws -> String? {
        let key = Product.key(for: raw)
        if let d = Self.defaultCategories.first(where: { Product.key(for: $0) == key }) { return d }
        if let c = try await ExpenseCategory.query(on: db).filter(\.$businessID == businessID).filter(\.$nameKey == key).first() { return c.name }
        guard create else { return nil }
        let c = ExpenseCategory()
        c.businessID = businessID
        c.name = raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        c.nameKey = key
        c.createdAt = now
        try await c.create(on: db)
        return c.name
    }

    /// An expense paid from an account. A category not yet known is added for the business (so
    /// "petrol" typed once is a category from then on).
    func recordExpense(_ input: ExpenseInput) async throws -> Expense {
        var errors = FieldErrors()
        errors.amount("amount", input.amount, positive: true)
        let category = (errors.check("category", Validate.text(input.category, max: 60)) ?? nil) ?? ""
        if category.isEmpty && errors.fields["category"] == nil { errors.add("category", "is required") }
        let date = optional("date", input.date, &errors, Validate.date)
        let note = errors.check("note", Validate.text(input.note, max: 500)) ?? nil
        let gst = input.gstPaid ?? 0
        if gst < 0 { errors.add("gst_paid", "must not be negative") } else if gst > input.amount { errors.add("gst_paid", "must not be more than the amount") }
        try errors.throwIfAny()
        let today = try await today()
        let id = UUID()
        return try await write { books in
            if let sid = input.supplierId { _ = try await books.supplier(sid) }
            let name = try await books.category(named: category, create: true) ?? category
            let e = Expense()
            e.id = id
            e.businessID = books.businessID
            e.spentOn = date ?? today
            e.amount = input.amount
            e.category = name
            e.gstPaid = gst
            e.supplierID = input.supplierId
            e.note = note
            e.createdBy = books.userID
            e.createdAt = books.now
            e.accountID = try await books.post(-input.amount, to: input.accountId, mode: input.mode ?? .cash, kind: .expense, sourceID: id,
                                               date: e.spentOn, description: note.map { "\(name): \($0)" } ?? name, on: books.db)
            try await e.create(on: books.db)
            IdempotencyScope.made(Endpoint.expense.path(id), status: 201)
            try await LedgerEvents.emit(.expenseRecorded, businessID: books.businessID, subject: id, key: id.uuidString, now: books.now, on: books.db)
            return e
        }
    }

    /// Deletes an expense entered by mistake; its account entry goes with it.
    func deleteExpense(_ id: UUID) async throws {
        try await write { books in
            _ = try await books.expense(id)
            try await books.removeEntries(sourceID: id)
            try await ExpenseReceipt.query(on: books.db).filter(\.$businessID == books.businessID).filter(\.$id == id).delete()
            try await Expense.query(on: books.db).filter(\.$businessID == books.businessID).filter(\.$id == id).delete()
        }
    }

    // MARK: receipts (issue 16 §3)

    /// Attaches (or replaces) the receipt of an expense: a JPEG, PNG or PDF of at most 5 MB whose
    /// first bytes match the declared type.
    func attachReceipt(expenseID: UUID, declaredType: String?, data: Data) async throws -> Expense {
        guard !data.isEmpty else { throw APIError.validation("receipt", "the file is empty") }
        guard data.count <= ExpenseReceipt.maxBytes else {
            throw APIError(.payloadTooLarge, "payload_too_large", "A receipt must be at most 5 MB.")
        }
        guard let sniffed = ExpenseReceipt.sniff(data), declaredType == nil || declaredType == sniffed else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "A receipt must be a JPEG or PNG photo or a PDF, sent with its Content-Type (image/jpeg, image/png or application/pdf).")
        }
        return try await write { books in
            let expense = try await books.expense(expenseID)
            try await ExpenseReceipt.query(on: books.db).filter(\.$businessID == books.businessID).filter(\.$id == expenseID).delete()
            try await ExpenseReceipt(expenseID: expenseID, businessID: books.businessID, contentType: sniffed, data: data, at: books.now)
                .create(on: books.db)
            expense.receiptType = sniffed
            expense.receiptSize = Int64(data.count)
            try await expense.update(on: books.db)
            return expense
        }
    }

    func receipt(expenseID: UUID) async throws -> ExpenseReceipt {
        guard let r = try await ExpenseReceipt.query(on: db).filter(\.$businessID == businessID).filter(\.$id == expenseID).first() else {
            _ = try await expense(expenseID)  // 404 Expense when the expense itself is not this business's
            throw APIError.notFound("Receipt")
        }
        return r
    }

    func removeReceipt(expenseID: UUID) async throws {
        try await write { books in
            let expense = try await books.expense(expenseID)
            try await ExpenseReceipt.query(on: books.db).filter(\.$businessID == books.businessID).filter(\.$id == expenseID).delete()
            expense.receiptType = nil
            expense.receiptSize = nil
            try await expense.update(on: books.db)
        }
    }

    /// Input tax of a month for GSTR-3B (issue 17 §4): GST on purchase bills dated in it (not void),
    /// by head as billed, and the GST inside expenses — IGST when the expense names a supplier
    /// in another state, else CGST and SGST halves.
    struct InputTax: Sendable, Equatable {
        var igst: Int64 = 0
        var cgst: Int64 = 0
        var sgst: Int64 = 0
        var bills = 0
        var expenses = 0
    }

    func inputTax(from: String, to: String) async throws -> InputTax {
        var t = InputTax()
        let bills = try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .void)
            .filter(\.$billDate >= from).filter(\.$billDate <= to).all()
        for b in bills where b.taxTotal > 0 {
            t.bills += 1
            if b.interState {
                t.igst = try Money.add(t.igst, b.taxTotal, field: "igst")
            } else {
                t.cgst = try Money.add(t.cgst, b.taxTotal / 2, field: "cgst")
                t.sgst = try Money.add(t.sgst, b.taxTotal - b.taxTotal / 2, field: "sgst")
            }
        }
        let expenses = try await Expense.query(on: db).filter(\.$businessID == businessID).filter(\.$spentOn >= from)
            .filter(\.$spentOn <= to).filter(\.$gstPaid > 0).all()
        let own = try await AccountsService(db: db).business(businessID).state
        let supplierIDs = Array(Set(expenses.compactMap(\.supplierID)))
        let states = supplierIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await Supplier.query(on: db)
            .filter(\.$businessID == businessID).filter(\.$id ~~ supplierIDs).all().map { ($0.id!, $0.state) })
        for e in expenses {
            t.expenses += 1
            let theirs = e.supplierID.flatMap { states[$0] ?? nil }
            if let own, let theirs, own != theirs {
                t.igst = try Money.add(t.igst, e.gstPaid, field: "igst")
            } else {
                t.cgst = try Money.add(t.cgst, e.gstPaid / 2, field: "cgst")
                t.sgst = try Money.add(t.sgst, e.gstPaid - e.gstPaid / 2, field: "sgst")
            }
        }
        return t
    }

    /// Expenses in the period by category (amounts GST included, and the input tax in them).
    func expenseTotals(from: String, to: String) async throws -> [(category: String, amount: Int64, gst: Int64)] {
        var totals: [String: (Int64, Int64)] = [:]
        let rows = try await Expense.query(on: db).filter(\.$businessID == businessID).filter(\.$spentOn >= from).filter(\.$spentOn <= to).all()
        for e in rows {
            let t = totals[e.category, default: (0, 0)]
            totals[e.category] = (try Money.add(t.0, e.amount, field: "expenses"), try Money.add(t.1, e.gstPaid, field: "expenses"))
        }
        return totals.map { ($0.key, $0.value.0, $0.value.1) }.sorted { ($1.amount, $0.category) < ($0.amount, $1.category) }
    }

    // MARK: workflow triggers

    /// The fields of a `purchase_recorded` or `expense_recorded` trigger (the catalog's declared
    /// outputs); nil when the subject is gone.
    /// The newest purchase bill (not void) or expense, for a workflow's test data (issue 19 §4).
    func latestEventSubject(_ event: String) async throws -> UUID? {
        if event == LedgerEvents.Event.expenseRecorded.rawValue {
            return try await Expense.query(on: db).filter(\.$businessID == businessID).sort(\.$createdAt, .descending).first()?.id
        }
        return try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$status != .void)
            .sort(\.$createdAt, .descending).first()?.id
    }

    func eventFields(_ event: String, subject: UUID) async throws -> [String: JSONValue]? {
        if event == LedgerEvents.Event.expenseRecorded.rawValue {
            guard let e = try? await expense(subject) else { return nil }
            let account = try? await account(e.accountID)
            return ["expense_id": .string(e.id!.uuidString), "amount": .int(e.amount), "category": .string(e.category),
                    "date": .string(e.spentOn), "note": e.note.map(JSONValue.string) ?? .null, "gst_paid": .int(e.gstPaid),
                    "account_name": account.map { .string($0.name) } ?? .null]
        }
        guard let b = try? await bill(subject) else { return nil }
        let s = try await supplier(b.supplierID)
        let items = try await PurchaseItem.query(on: db).filter(\.$businessID == businessID).filter(\.$billID == subject).sort(\.$position).all()
        return ["purchase_id": .string(b.id!.uuidString), "bill_number": b.billNumber.map(JSONValue.string) ?? .null,
                "bill_date": .string(b.billDate), "supplier_id": .string(s.id!.uuidString), "supplier_name": .string(s.name),
                "supplier_phone": s.phone.map(JSONValue.string) ?? .null, "total": .int(b.total), "amount_paid": .int(b.amountPaid),
                "balance_due": .int(b.total - b.amountPaid), "supplier_balance": .int(s.balance),
                "items": .array(items.map { ["name": .string($0.description), "quantity": .double(Double($0.quantity) / 1000),
                                             "unit": .string($0.unit), "unit_cost": .int($0.unitCost), "amount": .int($0.total)] })]
    }

    // MARK: summary (the dashboard)

    /// Cash in hand, money in bank and UPI accounts, and what the business owes its suppliers;
    /// read only (no account is created here).
    func moneySummary() async throws -> (cash: Int64, bank: Int64, payables: Int64, suppliersOwed: Int) {
        var cash: Int64 = 0, bank: Int64 = 0
        for a in try await MoneyAccount.query(on: db).filter(\.$businessID == businessID).filter(\.$archivedAt == nil).all() {
            if a.kind == .cash { cash = try Money.add(cash, a.balance, field: "cash") } else { bank = try Money.add(bank, a.balance, field: "bank") }
        }
        let owed = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$balance > 0).all(\.$balance)
        return (cash, bank, try Money.sum(owed, field: "payables"), owed.count)
    }

    // MARK: profit and loss

    struct ProfitAndLoss: Sendable {
        let from: String
        let to: String
        let sales: Int64
        let costOfGoodsSold: Int64
        let expenses: Int64
        let byCategory: [(category: String, amount: Int64)]
        var grossProfit: Int64 { sales - costOfGoodsSold }
        var netProfit: Int64 { grossProfit - expenses }
    }

    /// Sales, their cost, gross profit, expenses by category and net profit for the period, all
    /// in taxable values (GST excluded: an expense counts without the input tax in it).
    func profitAndLoss(from: String, to: String) async throws -> ProfitAndLoss {
        let (sales, cost) = try await LedgerReads(db: db, businessID: businessID).salesAndCost(from: from, to: to)
        let totals = try await expenseTotals(from: from, to: to)
        let byCategory = totals.map { ($0.category, $0.amount - $0.gst) }
        let expenses = try Money.sum(byCategory.map(\.1), field: "expenses")
        _ = try Money.subtract(try Money.subtract(sales, cost, field: "gross_profit"), expenses, field: "net_profit")
        return ProfitAndLoss(from: from, to: to, sales: sales, costOfGoodsSold: cost, expenses: expenses, byCategory: byCategory)
    }

    // MARK: helpers

    private func optional(_ field: String, _ raw: String?, _ errors: inout FieldErrors, _ validate: (String) -> Result<String, Problem>) -> String? {
        guard let raw else { return nil }
        let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty { return nil }
        return errors.check(field, validate(t))
    }

    private func patchOptional(_ field: String, _ value: Patch<String>, _ errors: inout FieldErrors,
                               _ validate: (String) -> Result<String, Problem>, apply: (String?) -> Void) {
        switch value {
        case .absent: return
        case .null: apply(nil)
        case .value(let raw):
            let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { apply(nil); return }
            if let v = errors.check(field, validate(t)) { apply(v) }
        }
    }

    private func unique(_ message: String, field: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw APIError.conflict("duplicate", message, details: ["field": .string(field)])
        }
    }
}
