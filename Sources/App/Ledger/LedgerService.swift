import Fluent
import Foundation
import SQLKit

/// Every change to customers, products, stock, invoices and payments goes through here, inside one
/// transaction each (DESIGN §3). HTTP handlers, the demo seeder and (later) the assistant call it.
///
/// Lock order on PostgreSQL, to rule out deadlocks between concurrent operations:
/// business row (invoice number) → customer row (balance) → invoice row (status) → product rows
/// (sorted by id). Each step is a conditional UPDATE … RETURNING, so a lost race changes nothing
/// and surfaces as a 409. On SQLite, `Store.write` serializes writers in-process.
public struct LedgerService: Sendable {
    let db: any Database
    let store: Store
    let businessID: UUID
    let userID: UUID?
    let now: Date
    /// When true, `db` is an open transaction owned by the caller (the assistant confirming a card
    /// commits its own state in the same transaction); writes run on it directly.
    let inTransaction: Bool

    init(db: any Database, store: Store, businessID: UUID, userID: UUID?, now: Date, inTransaction: Bool = false) {
        self.db = db
        self.store = store
        self.businessID = businessID
        self.userID = userID
        self.now = now
        self.inTransaction = inTransaction
    }

    /// The same service, working inside the caller's transaction `tx`.
    func within(_ tx: any Database) -> LedgerService {
        LedgerService(db: tx, store: store, businessID: businessID, userID: userID, now: now, inTransaction: true)
    }

    /// One transaction per operation, or the caller's when `inTransaction`. A transaction of its
    /// own that lost a deadlock or serialization race is retried, at most twice, after a short
    /// jittered pause (issue 14 §5); every other error, and a third loss, goes to the caller (the
    /// API answers a transient one with 503 `busy`). Pool timeouts are not retried here: a retry
    /// would only add to the load.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if inTransaction { return try await body(db) }
        var attempt = 0
        while true {
            do {
                return try await store.write(db, body)
            } catch where attempt < 2 && Self.isRetryableConflict(error) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...25) * attempt))
            }
        }
    }

    /// Runs `effect` and builds its reply (`view`) in one transaction, so a committed sale or
    /// payment is never answered with 503 because the read that follows it waited too long for a
    /// connection (issue 14 §5: a 503 means nothing happened). Retried like `write`.
    func committing<Made: Sendable, View: Sendable>(
        _ effect: @escaping @Sendable (LedgerService) async throws -> Made,
        view: @escaping @Sendable (Made, any Database) async throws -> View
    ) async throws -> View {
        try await write { tx in
            let made = try await effect(self.within(tx))
            return try await view(made, tx)
        }
    }

    /// A lost deadlock or serialization race: the whole transaction rolled back and may run again.
    static func isRetryableConflict(_ error: any Error) -> Bool {
        guard let state = TransientErrors.sqlState(of: error) else { return false }
        return state == "40001" || state == "40P01"
    }

    // MARK: lookups (always scoped to the business)

    func business(on db: (any Database)? = nil) async throws -> Business {
        try await AccountsService(db: db ?? self.db).business(businessID)
    }

    func customer(_ id: UUID, on db: (any Database)? = nil) async throws -> Customer {
        guard let c = try await Customer.query(on: db ?? self.db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Customer")
        }
        return c
    }

    func product(_ id: UUID, on db: (any Database)? = nil) async throws -> Product {
        guard let p = try await Product.query(on: db ?? self.db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Product")
        }
        return p
    }

    func invoice(_ id: UUID, on db: (any Database)? = nil) async throws -> Invoice {
        guard let i = try await Invoice.query(on: db ?? self.db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Invoice")
        }
        return i
    }

    func payment(_ id: UUID, on db: (any Database)? = nil) async throws -> Payment {
        guard let p = try await Payment.query(on: db ?? self.db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Payment")
        }
        return p
    }

    func today() async throws -> String {
        Validate.localDate(now, timezone: try await business().timezone)
    }

    // MARK: customers

    func createCustomer(_ input: CustomerInput) async throws -> Customer {
        var errors = FieldErrors()
        let c = Customer()
        c.businessID = businessID
        c.balance = 0
        if let name = errors.check("name", Validate.text(input.name, max: 120)) {
            if let name { c.name = name } else { errors.add("name", "is required") }
        }
        c.phone = try optionalField("phone", input.phone, &errors, Validate.phone)
        c.email = try optionalField("email", input.email, &errors, Validate.email)
        c.state = try optionalField("state", input.state, &errors, Validate.state)
        c.gstin = try optionalField("gstin", input.gstin, &errors, Validate.gstin)
        Self.reconcileGSTIN(c, &errors)
        c.address = errors.check("address", Validate.text(input.address, max: 500)) ?? nil
        c.notes = errors.check("notes", Validate.text(input.notes, max: 2000)) ?? nil
        if let tags = input.tags { c.tags = errors.check("tags", Validate.tags(tags)).flatMap(Customer.storedTags) }
        try errors.throwIfAny()
        let businessID = businessID
        try await writeUnique(duplicate: "A customer with this phone number already exists.", field: "phone") { tx in
            try await c.create(on: tx)
            IdempotencyScope.made(Endpoint.customer.path(c.id!.uuidString), status: 201)
            try await LedgerEvents.emit(.customerCreated, businessID: businessID, subject: c.id!, key: c.id!.uuidString, now: now, on: tx)
        }
        return c
    }

    func updateCustomer(_ id: UUID, _ patch: CustomerPatch) async throws -> Customer {
        let c = try await customer(id)
        var errors = FieldErrors()
        switch patch.name {
        case .absent: break
        case .null: errors.add("name", "is required")
        case .value(let v):
            if let t = errors.check("name", Validate.text(v, max: 120)) { if let t { c.name = t } else { errors.add("name", "is required") } }
        }
        try patchOptional("phone", patch.phone, &errors, Validate.phone) { c.phone = $0 }
        try patchOptional("email", patch.email, &errors, Validate.email) { c.email = $0 }
        try patchOptional("state", patch.state, &errors, Validate.state) { c.state = $0 }
        try patchOptional("gstin", patch.gstin, &errors, Validate.gstin) { c.gstin = $0 }
        if case .value = patch.gstin, case .absent = patch.state { c.state = nil }  // the new GSTIN's state applies
        Self.reconcileGSTIN(c, &errors)
        try patchOptional("address", patch.address, &errors, { $0.count <= 500 ? .success($0) : .failure("must be at most 500 characters") }) { c.address = $0 }
        try patchOptional("notes", patch.notes, &errors, { $0.count <= 2000 ? .success($0) : .failure("must be at most 2000 characters") }) { c.notes = $0 }
        switch patch.tags {
        case .absent: break
        case .null: c.tags = nil
        case .value(let list): if let tags = errors.check("tags", Validate.tags(list)) { c.tags = Customer.storedTags(tags) }
        }
        if case .value(let archived) = patch.archived { c.archivedAt = archived ? (c.archivedAt ?? now) : nil }
        try errors.throwIfAny()
        try await writeUnique(duplicate: "A customer with this phone number already exists.", field: "phone") { tx in
            // Only the profile columns: the balance is maintained by SQL increments elsewhere.
            try await Customer.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id)
                .set(\.$name, to: c.name).set(\.$phone, to: c.phone).set(\.$email, to: c.email)
                .set(\.$state, to: c.state).set(\.$gstin, to: c.gstin).set(\.$address, to: c.address).set(\.$notes, to: c.notes)
                .set(\.$tags, to: c.tags).set(\.$archivedAt, to: c.archivedAt).set(\.$updatedAt, to: now)
                .update()
        }
        return try await customer(id)
    }

    /// A GSTIN's first two digits are its state: they fill an empty state and must agree with a given one.
    static func reconcileGSTIN(_ c: Customer, _ errors: inout FieldErrors) {
        guard let g = c.gstin, let fromGSTIN = Validate.states.first(where: { $0.code == String(g.prefix(2)) })?.name else { return }
        if let s = c.state, s != fromGSTIN {
            errors.add("state", "is \(s), but the GSTIN is registered in \(fromGSTIN) (\(g.prefix(2)))")
        } else {
            c.state = fromGSTIN
        }
    }

    /// Deletes a customer with no invoices or payments; otherwise archives it (posted entries stay).
    func deleteCustomer(_ id: UUID) async throws -> (deleted: Bool, archived: Bool) {
        let businessID = businessID, now = now
        return try await write { tx in
            let c = try await customer(id, on: tx)
            let invoices = try await Invoice.query(on: tx).filter(\.$customerID == id).count()
            let payments = try await Payment.query(on: tx).filter(\.$customerID == id).count()
            let used = invoices + payments > 0
            if used {
                try await Customer.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id)
                    .set(\.$archivedAt, to: c.archivedAt ?? now).update()
                return (false, true)
            }
            try await Customer.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id).delete()
            return (true, false)
        }
    }

    // MARK: products

    func createProduct(_ input: ProductInput) async throws -> Product {
        var errors = FieldErrors()
        let p = Product()
        p.businessID = businessID
        if let name = errors.check("name", Validate.text(input.name, max: 120)) {
            if let name { p.name = name; p.nameKey = Product.key(for: name) } else { errors.add("name", "is required") }
        }
        p.unit = (errors.check("unit", Validate.text(input.unit, max: 20)) ?? nil) ?? "pcs"
        p.sku = errors.check("sku", Validate.text(input.sku, max: 64)) ?? nil
        p.hsn = try optionalField("hsn", input.hsn, &errors, Self.validateHSN)
        errors.amount("price", input.price)
        p.price = input.price
        let stock = input.stock ?? .zero
        if stock.thousandths < 0 { errors.add("stock", "must not be negative") } else { errors.quantity("stock", stock) }
        p.stock = stock.thousandths
        let threshold = input.lowStockThreshold ?? .zero
        if threshold.thousandths < 0 { errors.add("low_stock_threshold", "must not be negative") } else { errors.quantity("low_stock_threshold", threshold) }
        p.lowStockThreshold = threshold.thousandths
        p.gstRateBP = input.gstRate?.basisPoints
        p.priceIncludesGSTRaw = input.priceIncludesGst ?? true
        let cost = input.averageCost ?? 0
        if cost < 0 { errors.add("average_cost", "must not be negative") } else { errors.amount("average_cost", cost) }
        p.averageCost = max(0, cost)
        try errors.throwIfAny()
        let userID = userID, now = now
        try await writeUnique(duplicate: "A product with this name already exists.", field: "name") { tx in
            try await p.create(on: tx)
            IdempotencyScope.made(Endpoint.product.path(p.id!.uuidString), status: 201)
            if p.stock > 0 {
                try await Self.movement(p, delta: p.stock, kind: .restock, reason: "Opening stock", invoiceID: nil,
                                        userID: userID, stockAfter: p.stock, now: now).create(on: tx)
            }
        }
        return p
    }

    func updateProduct(_ id: UUID, _ patch: ProductPatch) async throws -> Product {
        let p = try await product(id)
        var errors = FieldErrors()
        switch patch.name {
        case .absent: break
        case .null: errors.add("name", "is required")
        case .value(let v):
            if let t = errors.check("name", Validate.text(v, max: 120)) {
                if let t { p.name = t; p.nameKey = Product.key(for: t) } else { errors.add("name", "is required") }
            }
        }
        switch patch.unit {
        case .absent: break
        case .null: p.unit = "pcs"
        case .value(let v): if let t = errors.check("unit", Validate.text(v, max: 20)) { p.unit = t ?? "pcs" }
        }
        try patchOptional("sku", patch.sku, &errors, { $0.count <= 64 ? .success($0) : .failure("must be at most 64 characters") }) { p.sku = $0 }
        try patchOptional("hsn", patch.hsn, &errors, Self.validateHSN) { p.hsn = $0 }
        switch patch.price {
        case .absent: break
        case .null: errors.add("price", "is required")
        case .value(let v): if errors.amount("price", v) { p.price = v }
        }
        switch patch.lowStockThreshold {
        case .absent: break
        case .null: p.lowStockThreshold = 0
        case .value(let q):
            if q.thousandths < 0 { errors.add("low_stock_threshold", "must not be negative") }
            else if errors.quantity("low_stock_threshold", q) { p.lowStockThreshold = q.thousandths }
        }
        switch patch.gstRate {
        case .absent: break
        case .null: p.gstRateBP = nil
        case .value(let r): p.gstRateBP = r.basisPoints
        }
        switch patch.priceIncludesGst {
        case .absent: break
        case .null: errors.add("price_includes_gst", "must be true or false")
        case .value(let v): p.priceIncludesGSTRaw = v
        }
        if case .value(let archived) = patch.archived { p.archivedAt = archived ? (p.archivedAt ?? now) : nil }
        var target: Int64? = nil
        switch patch.stock {
        case .absent: break
        case .null: errors.add("stock", "must be a number")
        case .value(let q):
            if q.thousandths < 0 { errors.add("stock", "must not be negative") } else if errors.quantity("stock", q) { target = q.thousandths }
        }
        var reason = "Manual adjustment"
        if case .value(let r) = patch.stockReason, let t = errors.check("stock_reason", Validate.text(r, max: 200)), let t { reason = t }
        try errors.throwIfAny()
        let businessID = businessID, now = now, userID = userID, stockTarget = target, stockReasonText = reason
        try await writeUnique(duplicate: "A product with this name already exists.", field: "name") { tx in
            try await Product.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id)
                .set(\.$name, to: p.name).set(\.$nameKey, to: p.nameKey).set(\.$unit, to: p.unit)
                .set(\.$sku, to: p.sku).set(\.$hsn, to: p.hsn).set(\.$price, to: p.price)
                .set(\.$lowStockThreshold, to: p.lowStockThreshold).set(\.$gstRateBP, to: p.gstRateBP)
                .set(\.$priceIncludesGSTRaw, to: p.priceIncludesGSTRaw)
                .set(\.$archivedAt, to: p.archivedAt).set(\.$updatedAt, to: now)
                .update()
            if let target = stockTarget {
                // Set-to-a-count is an adjustment movement of the difference, applied only if the
                // stock is still what we read (a concurrent sale makes this a 409, never a lost update).
                let current = try await product(id, on: tx)
                let delta = target - current.stock
                if delta != 0 {
                    let rows = try await tx.sql.update(Product.schema)
                        .set("stock", to: target).set("updated_at", to: now)
                        .where("id", .equal, id).where("business_id", .equal, businessID)
                        .where("stock", .equal, current.stock)
                        .returning("stock").all()
                    guard !rows.isEmpty else {
                        throw APIError.conflict("stock_changed", "The stock changed while you were editing; reload and try again.")
                    }
                    try await Self.movement(current, delta: delta, kind: .adjustment, reason: stockReasonText, invoiceID: nil,
                                            userID: userID, stockAfter: target, now: now).create(on: tx)
                }
            }
        }
        return try await product(id)
    }

    func restock(_ id: UUID, quantity: Quantity, reason: String?) async throws -> Product {
        guard quantity.thousandths > 0 else { throw APIError.validation("quantity", "must be greater than zero") }
        var errors = FieldErrors()
        errors.quantity("quantity", quantity)
        let reasonText = (errors.check("reason", Validate.text(reason, max: 200)) ?? nil) ?? "Restock"
        try errors.throwIfAny()
        let businessID = businessID, now = now, userID = userID
        try await write { tx in
            let p = try await product(id, on: tx)
            let after = try await Self.addStock(tx, businessID: businessID, productID: id, delta: quantity.thousandths, now: now)
            try await Self.movement(p, delta: quantity.thousandths, kind: .restock, reason: reasonText, invoiceID: nil,
                                    userID: userID, stockAfter: after, now: now).create(on: tx)
            IdempotencyScope.made(Endpoint.product.path(id.uuidString), status: 200)
        }
        return try await product(id)
    }

    /// Adds, removes or sets stock as one movement (the workflow node `ledger/adjust_stock`).
    /// Removing below zero is a 409; setting applies the difference as an adjustment.
    func adjustStock(_ id: UUID, quantity: Quantity, mode: String, reason: String?) async throws -> Product {
        guard quantity.thousandths >= 0, mode == "set" || quantity.thousandths > 0 else {
            throw APIError.validation("quantity", mode == "set" ? "must not be negative" : "must be greater than zero")
        }
        guard ["add", "remove", "set"].contains(mode) else { throw APIError.validation("mode", "must be add, remove or set") }
        var errors = FieldErrors()
        errors.quantity("quantity", quantity)
        let reasonText = (errors.check("reason", Validate.text(reason, max: 200)) ?? nil) ?? (mode == "add" ? "Restock" : "Adjustment")
        try errors.throwIfAny()
        let businessID = businessID, now = now, userID = userID
        try await write { tx in
            let p = try await product(id, on: tx)
            let delta: Int64
            switch mode {
            case "add": delta = quantity.thousandths
            case "remove": delta = -quantity.thousandths
            default: delta = quantity.thousandths - p.stock
            }
            guard delta != 0 else { return }
            let after = try await Self.addStock(tx, businessID: businessID, productID: id, delta: delta, now: now)
            try await Self.movement(p, delta: delta, kind: mode == "add" ? .restock : .adjustment, reason: reasonText, invoiceID: nil,
                                    userID: userID, stockAfter: after, now: now).create(on: tx)
            if after <= p.lowStockThreshold && p.stock > p.lowStockThreshold {
                try await LedgerEvents.emit(.stockLow, businessID: businessID, subject: id, key: "\(id.uuidString)-\(UUID().uuidString)", now: now, on: tx)
            }
        }
        return try await product(id)
    }

    func deleteProduct(_ id: UUID) async throws -> (deleted: Bool, archived: Bool) {
        let businessID = businessID, now = now
        return try await write { tx in
            let p = try await product(id, on: tx)
            let lines = try await InvoiceItem.query(on: tx).filter(\.$productID == id).count()
            let moves = try await StockMovement.query(on: tx).filter(\.$productID == id).count()
            let used = lines + moves > 0
            if used {
                try await Product.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id)
                    .set(\.$archivedAt, to: p.archivedAt ?? now).update()
                return (false, true)
            }
            try await Product.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id).delete()
            return (true, false)
        }
    }

    // MARK: invoices

    struct ComputedLine {
        var productID: UUID?
        var description: String
        var quantity: Int64
        var unit: String
        var unitPrice: Int64
        var discount: Int64
        var gstRateBP: Int64?
        var hsn: String?
        var taxable: Int64
        var tax: Int64
        var total: Int64
        var heads = GSTHeads(cgst: 0, sgst: 0, igst: 0)
        /// `unitPrice` and `discount` include GST: the line total is exactly quantity × price − discount.
        var priceIncludesGST = false
    }

    // MARK: place of supply (issue 17 §1)

    /// The state a sale is supplied to: the one given (a state name or code), else the customer's
    /// state, else the business's own (a walk-in sale at the counter); nil when none is known.
    func placeOfSupply(given: String?, customer: Customer, on db: any Database) async throws -> String? {
        if let given {
            switch Validate.state(given) {
            case .success(let s): return s
            case .failure(let p): throw APIError.validation("place_of_supply", p.text)
            }
        }
        if let state = customer.state { return state }
        return try await business(on: db).state
    }

    /// IGST when the place of supply is known and is not the business's state; CGST + SGST otherwise.
    func isInterState(_ placeOfSupply: String?, on db: any Database) async throws -> Bool {
        guard let placeOfSupply, let own = try await business(on: db).state else { return false }
        return placeOfSupply != own
    }

    /// Resolves lines against the catalog and computes every amount on the server. Within the state
    /// CGST and SGST are each half the rate on the line's taxable value, each rounded, so they are
    /// always equal; across states one IGST amount.
    func computeLines(_ lines: [InvoiceLineInput], interState: Bool, on db: any Database) async throws -> [ComputedLine] {
        var errors = FieldErrors()
        // A composition dealer or an unregistered business issues a bill of supply: no GST on any
        // line, whatever the product's or the line's rate says.
        let owner = try await business(on: db)
        let chargesTax = owner.gstRegistration.chargesTax
        // The HSN length the business's turnover requires on a tax invoice (issue 17 §2).
        let hsnDigits = chargesTax ? owner.hsnDigits : nil
        if lines.isEmpty { errors.add("items", "needs at least one line") }
        if lines.count > 200 { errors.add("items", "can have at most 200 lines") }
        try errors.throwIfAny()
        let ids = Array(Set(lines.compactMap(\.productId)))
        let products = ids.isEmpty ? [] : try await Product.query(on: db).filter(\.$businessID == businessID).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: products.map { ($0.id!, $0) })
        var out: [ComputedLine] = []
        for (i, line) in lines.enumerated() {
            let f = "items[\(i)]"
            var product: Product? = nil
            if let pid = line.productId {
                guard let p = byID[pid] else { throw APIError(.notFound, "not_found", "Product in line \(i + 1) not found") }
                if p.archivedAt != nil { errors.add("\(f).product_id", "is archived; restore it first") }
                product = p
            }
            if line.quantity.thousandths <= 0 { errors.add("\(f).quantity", "must be greater than zero") }
            else { errors.quantity("\(f).quantity", line.quantity) }
            let price = line.unitPrice ?? product?.price
            if price == nil { errors.add("\(f).unit_price", "is required for a line without a product") }
            // A catalog price stored before the bounds existed is checked like a typed one.
            if let price, !errors.amount("\(f).unit_price", price) { continue }
            let discount = line.discount ?? 0
            if !errors.amount("\(f).discount", discount) { continue }
            let description = (errors.check("\(f).description", Validate.text(line.description, max: 300)) ?? nil) ?? product?.name
            if description == nil { errors.add("\(f).description", "is required for a line without a product") }
            let unit = (errors.check("\(f).unit", Validate.text(line.unit, max: 20)) ?? nil) ?? product?.unit ?? "pcs"
            let gst: Int64?
            switch line.gstRate {
            case .absent: gst = product?.gstRateBP
            case .null: gst = nil
            case .value(let r): gst = r.basisPoints
            }
            if let gst, !(0...Bounds.maxGSTBasisPoints).contains(gst) {
                errors.add("\(f).gst_rate", "must be a percentage between 0 and 40"); continue
            }
            let gstCharged = chargesTax ? gst : nil
            guard let price, let description, line.quantity.thousandths > 0, line.quantity.isWithinBounds else { continue }
            guard let gross = Money.lineAmount(quantity: line.quantity, unitPrice: price), gross <= Bounds.maxAmount else {
                errors.tooLarge("\(f).unit_price", "times the quantity is more than \(Bounds.maxAmountText)"); continue
            }
            if discount > gross { errors.add("\(f).discount", "must not exceed the line amount (\(gross) paise)"); continue }
            let inclusive = line.priceIncludesGst ?? product?.priceIncludesGST ?? false
            // The amount ≤ 10^11 and the rate ≤ 40%, so neither step below can overflow.
            let taxable: Int64, heads: GSTHeads
            if inclusive, let bp = gstCharged, let split = Money.inclusiveSplit(gross - discount, basisPoints: bp, interState: interState) {
                (taxable, heads) = split
            } else {
                taxable = gross - discount
                heads = gstCharged.flatMap { Money.gst(on: taxable, basisPoints: $0, interState: interState) } ?? GSTHeads(cgst: 0, sgst: 0, igst: 0)
            }
            let tax = heads.total
            guard taxable + tax <= Bounds.maxAmount else {
                errors.tooLarge("\(f).gst_rate", "makes the line total more than \(Bounds.maxAmountText)"); continue
            }
            let hsn = (Validate.text(line.hsn, max: 8).successValue ?? nil) ?? product?.hsn
            if let digits = hsnDigits, (gstCharged ?? 0) > 0, (hsn ?? "").count < digits || !(hsn ?? "").allSatisfy({ $0.isASCII && $0.isNumber }) {
                errors.add("\(f).hsn", "needs an HSN code of at least \(digits) digits (Settings → HSN digits)"); continue
            }
            out.append(ComputedLine(productID: product?.id, description: description, quantity: line.quantity.thousandths,
                                    unit: unit, unitPrice: price, discount: discount, gstRateBP: gstCharged,
                                    hsn: hsn,
                                    taxable: taxable, tax: tax, total: taxable + tax, heads: heads, priceIncludesGST: inclusive))
        }
        try errors.throwIfAny()
        return out
    }

    func createInvoice(_ input: InvoiceInput) async throws -> Invoice {
        var errors = FieldErrors()
        let issueDate = try optionalField("issue_date", input.issueDate, &errors, Validate.date)
        let dueDate = try optionalField("due_date", input.dueDate, &errors, Validate.date)
        let notes = errors.check("notes", Validate.text(input.notes, max: 2000)) ?? nil
        if let p = input.payment { try Self.checkUpfront(p, &errors) }
        if input.payment != nil && input.issue != true { errors.add("payment", "can only be given when the invoice is issued (\"issue\": true)") }
        try errors.throwIfAny()
        let today = try await today()
        if let dueDate, dueDate < (issueDate ?? today) { throw APIError.validation("due_date", "must not be before the issue date") }
        let businessID = businessID, userID = userID
        let invoiceID = try await write { tx in
            let c = try await customer(input.customerId, on: tx)
            if c.archivedAt != nil { throw APIError.validation("customer_id", "is archived; restore the customer first") }
            let place = try await placeOfSupply(given: input.placeOfSupply, customer: c, on: tx)
            let lines = try await computeLines(input.items, interState: try await isInterState(place, on: tx), on: tx)
            let inv = Invoice()
            inv.placeOfSupply = place
            inv.businessID = businessID
            inv.customerID = c.id!
            inv.status = .draft
            inv.issueDate = issueDate ?? today
            inv.dueDate = dueDate
            inv.notes = notes
            inv.amountPaid = 0
            inv.createdBy = userID
            try Self.applyTotals(inv, lines, roundOff: try await business(on: tx).roundOff ?? false)
            try await inv.create(on: tx)
            try await insertItems(lines, invoiceID: inv.id!, on: tx)
            IdempotencyScope.made(Endpoint.invoice.path(inv.id!.uuidString), status: 201)
            if input.issue == true {
                try await issue(inv.id!, payment: input.payment, on: tx)
            }
            return inv.id!
        }
        return try await invoice(invoiceID)
    }

    func updateDraft(_ id: UUID, _ patch: InvoicePatch) async throws -> Invoice {
        var errors = FieldErrors()
        var issueDate: String?? = nil, dueDate: String?? = nil, notes: String?? = nil
        switch patch.issueDate {
        case .absent: break
        case .null: errors.add("issue_date", "is required")
        case .value(let v): if let d = errors.check("issue_date", Validate.date(v)) { issueDate = .some(d) }
        }
        switch patch.dueDate {
        case .absent: break
        case .null: dueDate = .some(nil)
        case .value(let v): if let d = errors.check("due_date", Validate.date(v)) { dueDate = .some(d) }
        }
        switch patch.notes {
        case .absent: break
        case .null: notes = .some(nil)
        case .value(let v): if let t = errors.check("notes", Validate.text(v, max: 2000)) { notes = .some(t) }
        }
        if case .null = patch.customerId { errors.add("customer_id", "is required") }
        if case .null = patch.items { errors.add("items", "is required") }
        try errors.throwIfAny()
        let businessID = businessID, newIssueDate = issueDate, newDueDate = dueDate, newNotes = notes
        try await write { tx in
            let inv = try await invoice(id, on: tx)
            guard inv.status == .draft else {
                throw APIError.conflict("invalid_state", "Only draft invoices can be edited; this one is \(inv.status.rawValue).")
            }
            var placeChanged = false
            if case .value(let cid) = patch.customerId, cid != inv.customerID {
                let c = try await customer(cid, on: tx)
                if c.archivedAt != nil { throw APIError.validation("customer_id", "is archived; restore the customer first") }
                inv.customerID = cid
                placeChanged = true
            }
            switch patch.placeOfSupply {
            case .absent:
                // Another customer: their state, unless the edit names the place itself.
                if placeChanged { inv.placeOfSupply = try await placeOfSupply(given: nil, customer: try await customer(inv.customerID, on: tx), on: tx) }
            case .null:
                inv.placeOfSupply = try await placeOfSupply(given: nil, customer: try await customer(inv.customerID, on: tx), on: tx)
                placeChanged = true
            case .value(let v):
                inv.placeOfSupply = try await placeOfSupply(given: v, customer: try await customer(inv.customerID, on: tx), on: tx)
                placeChanged = true
            }
            if placeChanged, case .absent = patch.items {
                // The tax heads follow the place of supply: recompute the lines as they stand.
                let current = try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == id).sort(\.$position).all()
                let lines = try await computeLines(current.map(InvoiceLineInput.init(item:)), interState: try await isInterState(inv.placeOfSupply, on: tx), on: tx)
                try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == id).delete()
                try await insertItems(lines, invoiceID: id, on: tx)
                try Self.applyTotals(inv, lines, roundOff: try await business(on: tx).roundOff ?? false)
            }
            if let d = newIssueDate, let d { inv.issueDate = d }
            if let d = newDueDate { inv.dueDate = d }
            if let n = newNotes { inv.notes = n }
            if let due = inv.dueDate, due < inv.issueDate { throw APIError.validation("due_date", "must not be before the issue date") }
            if case .value(let items) = patch.items {
                let lines = try await computeLines(items, interState: try await isInterState(inv.placeOfSupply, on: tx), on: tx)
                try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == id).delete()
                try await insertItems(lines, invoiceID: id, on: tx)
                try Self.applyTotals(inv, lines, roundOff: try await business(on: tx).roundOff ?? false)
            }
            // Guarded by status so a concurrent issue cannot be overwritten.
            try await Invoice.query(on: tx).filter(\.$id == id).filter(\.$status == .draft)
                .set(\.$customerID, to: inv.customerID).set(\.$issueDate, to: inv.issueDate).set(\.$dueDate, to: inv.dueDate)
                .set(\.$notes, to: inv.notes).set(\.$placeOfSupply, to: inv.placeOfSupply)
                .set(\.$subtotal, to: inv.subtotal).set(\.$discountTotal, to: inv.discountTotal)
                .set(\.$taxTotal, to: inv.taxTotal).set(\.$total, to: inv.total).set(\.$roundOff, to: inv.roundOff)
                .update()
        }
        return try await invoice(id)
    }

    func deleteDraft(_ id: UUID) async throws {
        let businessID = businessID
        try await write { tx in
            let inv = try await invoice(id, on: tx)
            guard inv.status == .draft else {
                throw APIError.conflict("invalid_state", "Only drafts can be deleted; void an issued invoice instead.")
            }
            try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == id).delete()
            try await Invoice.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id).filter(\.$status == .draft).delete()
        }
    }

    func issueInvoice(_ id: UUID, payment: UpfrontPayment?) async throws -> Invoice {
        var errors = FieldErrors()
        if let payment { try Self.checkUpfront(payment, &errors) }
        try errors.throwIfAny()
        try await write { tx in
            try await issue(id, payment: payment, on: tx)
            IdempotencyScope.made(Endpoint.invoice.path(id.uuidString), status: 200)
        }
        return try await invoice(id)
    }

    /// Issues a draft inside the caller's transaction: number, balance, stock, optional payment.
    func issue(_ id: UUID, payment: UpfrontPayment?, on tx: any Database) async throws {
        let inv = try await invoice(id, on: tx)
        guard inv.status == .draft else {
            throw APIError.conflict("invalid_state", "This invoice is already \(inv.status.rawValue).")
        }
        // A draft saved before the bounds existed may carry totals beyond them: refuse, never trap.
        try Money.bounded(inv.total, field: "total")
        let items = try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == id).all()
        let sql = try tx.sql

        // 1. The next number: the business row stays locked until commit, so numbers are gap-free.
        let number = try await AccountsService.nextInvoiceNumber(businessID, on: tx)

        // 2. The customer's balance.
        try await Self.addBalance(tx, businessID: businessID, customerID: inv.customerID, delta: inv.total, now: now)

        // 3. The status change, once.
        let numberText = String(format: "INV-%04lld", number)
        let changed = try await sql.update(Invoice.schema)
            .set("status", to: InvoiceStatus.issued.rawValue).set("number", to: number)
            .set("issued_at", to: now).set("updated_at", to: now)
            .where("id", .equal, id).where("status", .equal, InvoiceStatus.draft.rawValue)
            .returning("id").all()
        guard !changed.isEmpty else { throw APIError.conflict("invalid_state", "This invoice was issued meanwhile.") }

        // 4. Stock, per product in id order; never below zero.
        var perProduct: [UUID: Int64] = [:]
        for item in items {
            if let pid = item.productID { perProduct[pid] = try Money.add(perProduct[pid, default: 0], item.quantity, field: "items.quantity") }
        }
        for pid in perProduct.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
            let qty = perProduct[pid]!
            let rows = try await sql.update(Product.schema)
                .set(SQLIdentifier("stock"), to: SQLBinaryExpression(SQLIdentifier("stock"), .subtract, SQLBind(qty)))
                .set("updated_at", to: now)
                .where("id", .equal, pid).where("business_id", .equal, businessID)
                .where("stock", .greaterThanOrEqual, qty)
                .returning("stock").all()
            let p = try await product(pid, on: tx)
            guard let after = try rows.first?.decode(column: "stock", as: Int64.self) else {
                throw APIError.conflict("insufficient_stock",
                    "Only \(Quantity(thousandths: p.stock)) \(p.unit) of \(p.name) in stock; the invoice needs \(Quantity(thousandths: qty)).",
                    details: ["product_id": .string(pid.uuidString), "product": .string(p.name),
                              "requested": .double(Double(qty) / 1000), "available": .double(Double(p.stock) / 1000)])
            }
            try await Self.movement(p, delta: -qty, kind: .sale, reason: "Sold on \(numberText)", invoiceID: id,
                                    userID: userID, stockAfter: after, now: now).create(on: tx)
            if after <= p.lowStockThreshold && after + qty > p.lowStockThreshold {
                try await LedgerEvents.emit(.stockLow, businessID: businessID, subject: pid, key: "\(pid.uuidString)-\(id.uuidString)", now: now, on: tx)
            }
        }
        try await LedgerEvents.emit(.invoiceIssued, businessID: businessID, subject: id, key: id.uuidString, now: now, on: tx)

        // 5. An upfront payment, allocated to this invoice first; then any credit the customer holds.
        if let payment {
            try await insertPayment(customerID: inv.customerID, amount: payment.amount, mode: payment.mode,
                                    reference: payment.reference.flatMap { Validate.text($0, max: 120).successValue ?? nil },
                                    paidOn: inv.issueDate, notes: "Paid with \(numberText)", preferred: id, accountID: payment.accountId, on: tx)
        } else {
            try await settleCredit(customerID: inv.customerID, preferred: id, on: tx)
        }
    }

    func voidInvoice(_ id: UUID, reason: String?) async throws -> Invoice {
        var errors = FieldErrors()
        let reasonText = errors.check("reason", Validate.text(reason, max: 300)) ?? nil
        try errors.throwIfAny()
        let businessID = businessID, now = now, userID = userID
        try await write { tx in
            // Serialized with credit notes (which lock the business row too).
            try await AccountsService.lockBusiness(businessID, on: tx)
            let inv = try await invoice(id, on: tx)
            switch inv.status {
            case .draft: throw APIError.conflict("invalid_state", "A draft has no effect to reverse; delete it instead.")
            case .void: throw APIError.conflict("invalid_state", "This invoice is already void.")
            default: break
            }
            // A credit note already took part of it back: the rest is credited, not voided.
            if (inv.credited ?? 0) > 0 {
                throw APIError.conflict("has_credit_notes", "This invoice has credit notes; issue a credit note for the rest instead of voiding it.")
            }
            let sql = try tx.sql
            try await Self.addBalance(tx, businessID: businessID, customerID: inv.customerID, delta: -inv.total, now: now)
            let changed = try await sql.update(Invoice.schema)
                .set("status", to: InvoiceStatus.void.rawValue).set("voided_at", to: now)
                .set("void_reason", to: reasonText).set("amount_paid", to: Int64(0)).set("updated_at", to: now)
                .where("id", .equal, id)
                .where(SQLColumn("status"), .in, SQLGroupExpression(InvoiceStatus.posted.map { SQLBind($0.rawValue) }))
                .returning("id").all()
            guard !changed.isEmpty else { throw APIError.conflict("invalid_state", "This invoice was voided meanwhile.") }

            // Money allocated to it becomes the customer's credit.
            let allocations = try await PaymentAllocation.query(on: tx)
                .filter(\.$businessID == businessID).filter(\.$invoiceID == id).filter(\.$releasedAt == nil).all()
            for a in allocations {
                try await PaymentAllocation.query(on: tx).filter(\.$id == a.id!).set(\.$releasedAt, to: now).update()
                try await sql.update(Payment.schema)
                    .set(SQLIdentifier("unallocated"), to: SQLBinaryExpression(SQLIdentifier("unallocated"), .add, SQLBind(a.amount)))
                    .where("id", .equal, a.paymentID).run()
            }

            // Stock comes back, per product in id order.
            let items = try await InvoiceItem.query(on: tx).filter(\.$businessID == businessID).filter(\.$invoiceID == id).all()
            var perProduct: [UUID: Int64] = [:]
            for item in items {
            if let pid = item.productID { perProduct[pid] = try Money.add(perProduct[pid, default: 0], item.quantity, field: "items.quantity") }
        }
            for pid in perProduct.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
                let qty = perProduct[pid]!
                let p = try await product(pid, on: tx)
                let after = try await Self.addStock(tx, businessID: businessID, productID: pid, delta: qty, now: now)
                try await Self.movement(p, delta: qty, kind: .void, reason: "Voided \(inv.numberText ?? "invoice")", invoiceID: id,
                                        userID: userID, stockAfter: after, now: now).create(on: tx)
            }
            // Freed credit settles the customer's other open invoices, oldest first.
            try await settleCredit(customerID: inv.customerID, preferred: nil, on: tx)
            IdempotencyScope.made(Endpoint.invoice.path(id.uuidString), status: 200)
        }
        return try await invoice(id)
    }

    // MARK: payments

    func recordPayment(_ input: PaymentInput) async throws -> Payment {
        var errors = FieldErrors()
        errors.amount("amount", input.amount, positive: true)
        let reference = errors.check("reference", Validate.text(input.reference, max: 120)) ?? nil
        let notes = errors.check("notes", Validate.text(input.notes, max: 2000)) ?? nil
        let paidOn = try optionalField("paid_on", input.paidOn, &errors, Validate.date)
        try errors.throwIfAny()
        let today = try await today()
        let paymentID = try await write { tx in
            let c = try await customer(input.customerId, on: tx)
            if let iid = input.invoiceId {
                let inv = try await invoice(iid, on: tx)
                guard inv.customerID == c.id else { throw APIError.validation("invoice_id", "belongs to another customer") }
                guard InvoiceStatus.open.contains(inv.status) else {
                    throw APIError.conflict("invalid_state", "Invoice \(inv.numberText ?? "draft") is \(inv.status.rawValue) and cannot take a payment.")
                }
            }
            let id = try await insertPayment(customerID: c.id!, amount: input.amount, mode: input.mode, reference: reference,
                                             paidOn: paidOn ?? today, notes: notes, preferred: input.invoiceId, accountID: input.accountId, on: tx)
            IdempotencyScope.made(Endpoint.payment.path(id.uuidString), status: 201)
            return id
        }
        return try await payment(paymentID)
    }

    @discardableResult
    func insertPayment(customerID: UUID, amount: Int64, mode: PaymentMode, reference: String?, paidOn: String,
                       notes: String?, preferred: UUID?, accountID: UUID? = nil, on tx: any Database) async throws -> UUID {
        try await Self.addBalance(tx, businessID: businessID, customerID: customerID, delta: -amount, now: now)
        let p = Payment()
        p.id = UUID()
        p.businessID = businessID
        p.customerID = customerID
        p.amount = amount
        p.mode = mode
        p.reference = reference
        p.paidOn = paidOn
        p.notes = notes
        p.unallocated = amount
        p.createdBy = userID
        p.createdAt = now
        // The money lands in a cash, bank or UPI account (the named one, or the mode's default).
        let customerName = try await customer(customerID, on: tx).name
        p.accountID = try await BooksService(db: tx, store: store, businessID: businessID, userID: userID, now: now, inTransaction: true)
            .post(amount, to: accountID, mode: mode, kind: .customerPayment, sourceID: p.id!, date: paidOn,
                  description: "Payment from \(customerName)", on: tx)
        try await p.create(on: tx)
        try await settleCredit(customerID: customerID, preferred: preferred, on: tx)
        try await LedgerEvents.emit(.paymentRecorded, businessID: businessID, subject: p.id!, key: p.id!.uuidString, now: now, on: tx)
        return p.id!
    }

    /// Applies the customer's unallocated payments (oldest first) to open invoices (the preferred
    /// one first, then oldest first). Runs inside a transaction that already holds the customer row.
    func settleCredit(customerID: UUID, preferred: UUID?, on tx: any Database) async throws {
        // A zero-total invoice (a free item, a product priced 0) is paid the moment it is issued.
        try await Invoice.query(on: tx).filter(\.$businessID == businessID).filter(\.$customerID == customerID)
            .filter(\.$status ~~ InvoiceStatus.open).filter(\.$total == 0).set(\.$status, to: .paid).update()
        let credits = try await Payment.query(on: tx)
            .filter(\.$businessID == businessID).filter(\.$customerID == customerID).filter(\.$unallocated > 0)
            .sort(\.$createdAt).sort(\.$id).all()
        guard !credits.isEmpty else { return }
        var open = try await Invoice.query(on: tx)
            .filter(\.$businessID == businessID).filter(\.$customerID == customerID).filter(\.$status ~~ InvoiceStatus.open)
            .sort(\.$number).all()
        if let preferred, let i = open.firstIndex(where: { $0.id == preferred }) {
            open.insert(open.remove(at: i), at: 0)
        }
        var invoiceIndex = 0
        for credit in credits {
            var left = credit.unallocated
            while left > 0, invoiceIndex < open.count {
                let inv = open[invoiceIndex]
                let due = inv.balanceDue
                if due <= 0 { invoiceIndex += 1; continue }
                let share = min(due, left)
                let a = PaymentAllocation()
                a.businessID = businessID
                a.paymentID = credit.id!
                a.invoiceID = inv.id!
                a.amount = share
                a.createdAt = now
                try await a.create(on: tx)
                inv.amountPaid += share
                left -= share
                let status: InvoiceStatus = inv.balanceDue <= 0 ? .paid : .partiallyPaid
                inv.status = status
                try await Invoice.query(on: tx).filter(\.$id == inv.id!)
                    .set(\.$amountPaid, to: inv.amountPaid).set(\.$status, to: status).set(\.$updatedAt, to: now)
                    .update()
                if status == .paid { invoiceIndex += 1 }
            }
            if left != credit.unallocated {
                try await Payment.query(on: tx).filter(\.$id == credit.id!).set(\.$unallocated, to: left).update()
            }
            if invoiceIndex >= open.count { break }
        }
    }

    // MARK: purchases (called by Books inside its transaction)

    /// The product a purchase line names by `name` when it has no id: the existing product with
    /// that name (ignoring case), or a new one created inline with the given unit and sale price.
    func productForPurchase(name: String, unit: String?, salePrice: Int64?, on tx: any Database) async throws -> Product {
        let key = Product.key(for: name)
        if let p = try await Product.query(on: tx).filter(\.$businessID == businessID).filter(\.$nameKey == key).first() { return p }
        let p = Product()
        p.businessID = businessID
        p.name = name
        p.nameKey = key
        p.unit = unit ?? "pcs"
        p.price = salePrice ?? 0
        p.stock = 0
        p.lowStockThreshold = 0
        p.averageCost = 0
        p.priceIncludesGSTRaw = true
        try await p.create(on: tx)
        return p
    }

    /// Stock bought on a purchase bill: raises the stock, moves the weighted average cost and
    /// records a `purchase` movement at the bill's unit cost, inside the caller's transaction. The
    /// product row is locked first (PostgreSQL `FOR UPDATE`; SQLite writers are serialized).
    func receivePurchase(productID: UUID, quantity: Int64, unitCost: Int64, purchaseID: UUID, reference: String, on tx: any Database) async throws {
        let (stock, average) = try await lockedCost(productID, on: tx)
        let after = try Money.add(stock, quantity, field: "items.quantity")
        guard after <= Bounds.maxQuantity else { throw APIError.amountTooLarge(["items.quantity": "makes the stock more than \(Bounds.maxQuantityUnits) units"]) }
        let newAverage = Self.averageCost(stock: stock, average: average, adding: quantity, at: unitCost)
        try await setStockAndCost(productID, stock: after, average: newAverage, on: tx)
        let p = try await product(productID, on: tx)
        let m = Self.movement(p, delta: quantity, kind: .purchase, reason: "Bought on \(reference)", invoiceID: nil,
                              userID: userID, stockAfter: after, now: now)
        m.unitCost = unitCost
        m.purchaseID = purchaseID
        try await m.create(on: tx)
    }

    /// Reverses `receivePurchase` for a voided bill: 409 `insufficient_stock` when part of that
    /// stock is already sold. The average cost is taken back out (never below zero).
    func reversePurchase(productID: UUID, quantity: Int64, unitCost: Int64, purchaseID: UUID, reference: String, on tx: any Database) async throws {
        let (stock, average) = try await lockedCost(productID, on: tx)
        let p = try await product(productID, on: tx)
        guard stock >= quantity else {
            throw APIError.conflict("insufficient_stock",
                "Only \(Quantity(thousandths: stock)) \(p.unit) of \(p.name) is left; the bill brought \(Quantity(thousandths: quantity)), so part of it is already sold.",
                details: ["product_id": .string(productID.uuidString), "product": .string(p.name),
                          "requested": .double(Double(quantity) / 1000), "available": .double(Double(stock) / 1000)])
        }
        let after = stock - quantity
        let newAverage = Self.averageCost(stock: stock, average: average, adding: -quantity, at: unitCost)
        try await setStockAndCost(productID, stock: after, average: newAverage, on: tx)
        let m = Self.movement(p, delta: -quantity, kind: .purchaseVoid, reason: "Voided \(reference)", invoiceID: nil,
                              userID: userID, stockAfter: after, now: now)
        m.unitCost = unitCost
        m.purchaseID = purchaseID
        try await m.create(on: tx)
    }

    /// The weighted average cost after `adding` thousandths at `cost` paise a unit (negative:
    /// taking a purchase back out), in 128-bit arithmetic so no product can overflow. With no stock
    /// left the last average stands; the result is never negative and never above the bound.
    static func averageCost(stock: Int64, average: Int64, adding quantity: Int64, at cost: Int64) -> Int64 {
        let remaining = Int128(stock) + Int128(quantity)
        guard remaining > 0 else { return average }
        let value = Int128(stock) * Int128(average) + Int128(quantity) * Int128(cost)
        guard value > 0 else { return 0 }
        let q = value / remaining, r = value % remaining
        let rounded = r * 2 >= remaining ? q + 1 : q
        return Int64(min(rounded, Int128(Bounds.maxAmount)))
    }

    func lockedCost(_ productID: UUID, on tx: any Database) async throws -> (stock: Int64, average: Int64) {
        let sql = try tx.sql
        var select = sql.select().column("stock").column("average_cost").from(Product.schema)
            .where("id", .equal, productID).where("business_id", .equal, businessID)
        if sql.dialect.name == "postgresql" { select = select.for(.update) }
        guard let row = try await select.first() else { throw APIError.notFound("Product") }
        return (try row.decode(column: "stock", as: Int64.self), try row.decode(column: "average_cost", as: Int64.self))
    }

    func setStockAndCost(_ productID: UUID, stock: Int64, average: Int64, on tx: any Database) async throws {
        try await tx.sql.update(Product.schema).set("stock", to: stock).set("average_cost", to: average).set("updated_at", to: now)
            .where("id", .equal, productID).where("business_id", .equal, businessID).run()
    }

    // MARK: helpers

    static func addBalance(_ tx: any Database, businessID: UUID, customerID: UUID, delta: Int64, now: Date) async throws {
        let rows = try await tx.sql.update(Customer.schema)
            .set(SQLIdentifier("balance"), to: SQLBinaryExpression(SQLIdentifier("balance"), .add, SQLBind(delta)))
            .set("updated_at", to: now)
            .where("id", .equal, customerID).where("business_id", .equal, businessID)
            .returning("balance").all()
        guard !rows.isEmpty else { throw APIError.notFound("Customer") }
    }

    /// Adds (or with a negative delta removes) stock atomically; returns the stock after.
    static func addStock(_ tx: any Database, businessID: UUID, productID: UUID, delta: Int64, now: Date) async throws -> Int64 {
        let rows = try await tx.sql.update(Product.schema)
            .set(SQLIdentifier("stock"), to: SQLBinaryExpression(SQLIdentifier("stock"), .add, SQLBind(delta)))
            .set("updated_at", to: now)
            .where("id", .equal, productID).where("business_id", .equal, businessID)
            .where(SQLBinaryExpression(SQLIdentifier("stock"), .add, SQLBind(delta)), .greaterThanOrEqual, SQLBind(Int64(0)))
            .where(SQLBinaryExpression(SQLIdentifier("stock"), .add, SQLBind(delta)), .lessThanOrEqual, SQLBind(Bounds.maxQuantity))
            .returning("stock").all()
        guard let after = try rows.first?.decode(column: "stock", as: Int64.self) else {
            // The product was read in this transaction, so no row means a bound was crossed.
            if delta > 0 { throw APIError.amountTooLarge(["quantity": "makes the stock more than \(Bounds.maxQuantityUnits) units"]) }
            throw APIError.conflict("insufficient_stock", "Stock cannot go below zero.")
        }
        return after
    }

    static func movement(_ p: Product, delta: Int64, kind: MovementKind, reason: String, invoiceID: UUID?,
                         userID: UUID?, stockAfter: Int64, now: Date) -> StockMovement {
        let m = StockMovement()
        m.businessID = p.businessID
        m.productID = p.id!
        m.delta = delta
        m.kind = kind
        m.reason = reason
        m.invoiceID = invoiceID
        m.userID = userID
        m.unitCost = p.averageCost
        m.stockAfter = stockAfter
        m.createdAt = now
        return m
    }

    func insertItems(_ lines: [ComputedLine], invoiceID: UUID, on tx: any Database) async throws {
        for (i, l) in lines.enumerated() {
            let item = InvoiceItem()
            item.businessID = businessID
            item.invoiceID = invoiceID
            item.position = i
            item.productID = l.productID
            item.description = l.description
            item.quantity = l.quantity
            item.unit = l.unit
            item.unitPrice = l.unitPrice
            item.discount = l.discount
            item.gstRateBP = l.gstRateBP
            item.hsn = l.hsn
            item.taxable = l.taxable
            item.tax = l.tax
            item.total = l.total
            item.cgst = l.heads.cgst
            item.sgst = l.heads.sgst
            item.igst = l.heads.igst
            item.priceIncludesGST = l.priceIncludesGST
            try await item.create(on: tx)
        }
    }

    /// Sums the lines into the invoice (each line is within the bounds; their sum is checked too).
    static func applyTotals(_ inv: Invoice, _ lines: [ComputedLine], roundOff: Bool) throws {
        inv.subtotal = try Money.sum(lines.map(\.taxable), field: "total")
        inv.discountTotal = try Money.sum(lines.map(\.discount), field: "total")
        inv.taxTotal = try Money.sum(lines.map(\.tax), field: "total")
        let sum = try Money.sum(lines.map(\.total), field: "total")
        // To the nearest rupee, half away from zero (issue 17 §2); the difference is printed.
        inv.total = roundOff ? Money.divideRounded(sum, by: 100) * 100 : sum
        inv.roundOff = roundOff ? inv.total - sum : nil
        guard inv.total <= Bounds.maxAmount else {
            throw APIError.amountTooLarge(["total": "of all lines is more than \(Bounds.maxAmountText)"])
        }
    }

    static func checkUpfront(_ p: UpfrontPayment, _ errors: inout FieldErrors) throws {
        errors.amount("payment.amount", p.amount, positive: true)
        if let r = p.reference, r.count > 120 { errors.add("payment.reference", "must be at most 120 characters") }
    }

    static func validateHSN(_ raw: String) -> Result<String, Problem> {
        guard (4...8).contains(raw.count), raw.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure("must be a 4 to 8 digit HSN/SAC code")
        }
        return .success(raw)
    }

    func optionalField(_ field: String, _ raw: String?, _ errors: inout FieldErrors,
                       _ validate: (String) -> Result<String, Problem>) throws -> String? {
        guard let raw else { return nil }
        let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty { return nil }
        return errors.check(field, validate(t))
    }

    func patchOptional(_ field: String, _ value: Patch<String>, _ errors: inout FieldErrors,
                       _ validate: (String) -> Result<String, Problem>, apply: (String?) -> Void) throws {
        switch value {
        case .absent: return
        case .null: apply(nil)
        case .value(let raw):
            let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { apply(nil); return }
            if let v = errors.check(field, validate(t)) { apply(v) }
        }
    }

    /// Runs a write whose unique-constraint violation means "duplicate" (409 naming the field).
    func writeUnique(duplicate message: String, field: String, _ body: @escaping @Sendable (any Database) async throws -> Void) async throws {
        do {
            try await write(body)
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw APIError.conflict("duplicate", message, details: ["field": .string(field)])
        }
    }
}

extension Result {
    var successValue: Success? { if case .success(let v) = self { return v } else { return nil } }
}
