import Fluent
import Foundation
import Vapor

/// `munim demo`: seeds a demo business through `LedgerService`, so every invariant holds for the
/// data a newcomer sees. The owner's password is random and printed once.
public struct DemoCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        public init() {}
    }

    public var help: String { "Seeds a demo business (owner demo@munim.local) with products, customers, invoices and payments." }

    public init() {}

    public static let email = "demo@munim.local"

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        if try await AccountsService(db: app.db).userExists(email: Self.email) {
            context.console.print("The demo business already exists. Log in as \(Self.email) with the password printed when it was created.")
            return
        }
        let password = String(Tokens.random(bytes: 12).prefix(14))
        let summary = try await Self.seed(app: app, password: password, now: app.clock.now())
        context.console.print("Demo business \"\(summary.businessName)\" created: \(summary.products) products, \(summary.customers) customers, \(summary.invoices) invoices, \(summary.payments) payments, \(summary.suppliers) suppliers, \(summary.purchases) purchases, \(summary.expenses) expenses.")
        context.console.print("Log in as \(Self.email) with password: \(password)")
        context.console.print("(This password is shown only once.)")
    }

    public struct Summary: Sendable {
        public let businessID: UUID
        public let businessName: String
        public let products: Int
        public let customers: Int
        public let invoices: Int
        public let payments: Int
        public let suppliers: Int
        public let purchases: Int
        public let expenses: Int
    }

    /// A small deterministic generator so the demo looks the same on every machine.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    public static func seed(app: Application, password: String, now: Date) async throws -> Summary {
        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.any()).hash(password)
        let (user, business) = try await AccountsService(db: app.db, store: app.store).createOwner(
            email: Self.email, passwordHash: hash, ownerName: "Suresh Patel", businessName: "Patel Building Materials") { business in
            business.state = "Maharashtra"
            business.address = "Shop 4, Station Road, Nashik 422001"
            business.industry = "Building materials"
            business.gstin = "27AAPFU0939F1ZV"
            business.whatsappNumber = "+919800000001"
        }
        var rng = SeededRandom(state: 2026)
        let start = now.addingTimeInterval(-60 * 86_400)
        // The buying side starts a month earlier, so three months of purchases and expenses exist.
        let booksStart = now.addingTimeInterval(-90 * 86_400)
        func service(at instant: Date) -> LedgerService {
            LedgerService(db: app.db, store: app.store, businessID: business.id!, userID: user.id!, now: instant)
        }
        func books(at instant: Date) -> BooksService {
            BooksService(db: app.db, store: app.store, businessID: business.id!, userID: user.id!, now: instant)
        }
        func date(_ instant: Date) -> String { Validate.localDate(instant, timezone: business.timezone) }

        // Money: ₹50,000 in the drawer and an HDFC current account when the books start.
        let cash = try await books(at: booksStart).cashAccount()
        _ = try await books(at: booksStart).updateAccount(cash.id!, MoneyAccountPatch(openingBalance: .value(5_000_000)))
        let bank = try await books(at: booksStart).createAccount(MoneyAccountInput(name: "HDFC current", kind: .bank, last4: "4821",
                                                                                    openingBalance: 40_000_000))

        let catalog: [(String, String, Int64, Int64, Int64, Int64?, String?)] = [
            // name, unit, price (paise, GST included), stock (units), low-stock threshold, GST bp (the slabs in
            // force since the September 2025 rationalisation: cement 18 %), HSN
            ("Cement bag (50 kg)", "bag", 35_000, 400, 50, 1800, "2523"),
            ("TMT steel bar 12 mm", "kg", 6_500, 2_000, 200, 1800, "7214"),
            ("River sand", "cft", 6_000, 1_500, 100, 500, "2505"),
            ("Red bricks", "pcs", 900, 12_000, 1_000, 500, "6901"),
            ("Fly ash bricks", "pcs", 700, 9_000, 1_000, 500, "6815"),
            ("PVC pipe 1 inch", "pcs", 28_000, 150, 20, 1800, "3917"),
            ("PVC pipe 2 inch", "pcs", 46_000, 90, 15, 1800, "3917"),
            ("Wall putty 20 kg", "bag", 78_000, 60, 10, 1800, "3214"),
            ("Primer 4 L", "can", 95_000, 40, 8, 1800, "3209"),
            ("Emulsion paint 10 L", "can", 3_20_000, 25, 5, 1800, "3209"),
            ("Tile adhesive 20 kg", "bag", 52_000, 80, 10, 1800, "3214"),
            ("Vitrified tiles 2x2", "box", 85_000, 120, 20, 1800, "6907"),
            ("Binding wire", "kg", 9_500, 300, 40, 1800, "7217"),
            ("Nails 3 inch", "kg", 11_000, 200, 25, 1800, "7317"),
            ("Waterproofing compound 1 L", "bottle", 24_000, 70, 10, 1800, "3824"),
            ("Aggregate 20 mm", "cft", 5_500, 1_200, 100, 500, "2517"),
            ("GI wire", "kg", 12_000, 150, 20, 1800, "7217"),
            ("Door hinge 4 inch", "pcs", 6_000, 240, 30, 1800, "8302"),
            ("Plywood 18 mm", "sheet", 2_40_000, 30, 5, 1800, "4412"),
            ("White cement 5 kg", "bag", 42_000, 6, 8, 1800, "2523"),  // starts low on stock
        ]
        var products: [Product] = []
        for (name, unit, price, stock, threshold, gst, hsn) in catalog {
            // Opening stock at 72 % of the sale price (GST excluded).
            products.append(try await service(at: booksStart).createProduct(ProductInput(
                name: name, unit: unit, sku: nil, price: price, stock: Quantity(thousandths: Int64(stock) * 1000),
                lowStockThreshold: Quantity(thousandths: Int64(threshold) * 1000), hsn: hsn, gstRate: gst.map(GSTRate.init(basisPoints:)),
                averageCost: price * 72 / 100)))
        }

        // Suppliers, and a purchase bill every 6 days for three months (cost 68–75 % of the sale
        // price), most paid in part from the bank; one supplier is in Gujarat (IGST). White cement is
        // not bought again, so the demo shows a low-stock product.
        let supplierRows: [(String, String, String?)] = [
            ("Nashik Cement Agency", "+919811100101", "Maharashtra"), ("Gujarat Steel Traders", "+919811100102", "Gujarat"),
            ("Sahyadri Paints & Hardware", "+919811100103", "Maharashtra"), ("Godavari Sand Suppliers", "+919811100104", "Maharashtra"),
        ]
        var suppliers: [Supplier] = []
        for (name, phone, state) in supplierRows {
            suppliers.append(try await books(at: booksStart).createSupplier(SupplierInput(name: name, phone: phone, state: state)))
        }
        let supplies: [[Int]] = [[0, 5], [1, 12, 16], [7, 8, 9, 10, 14, 17, 18], [2, 3, 4, 15]]
        var purchaseCount = 0
        for n in 0..<15 {
            let day = booksStart.addingTimeInterval(Double(n) * 6 * 86_400 + 11 * 3600)
            let which = n % suppliers.count
            let lines = supplies[which].shuffled(using: &rng).prefix(2).map { i -> PurchaseLineInput in
                let p = products[i]
                let units = Int64.random(in: 5...max(6, p.stock / 1000 / 12), using: &rng)
                return PurchaseLineInput(productId: p.id, quantity: Quantity(thousandths: units * 1000),
                                         unitCost: p.price * Int64.random(in: 68...75, using: &rng) / 100)
            }
            let b = books(at: day)
            let bill = try await b.recordPurchase(PurchaseInput(supplierId: suppliers[which].id!, billNumber: "B-\(1040 + n)", billDate: date(day), items: Array(lines)))
            if n % 3 != 2 {
                _ = try await b.recordSupplierPayment(SupplierPaymentInput(supplierId: suppliers[which].id!, amount: bill.total * (n % 3 == 0 ? 100 : 60) / 100,
                                                                           mode: .bank, accountId: bank.id, reference: "NEFT-\(Int.random(in: 100000...999999, using: &rng))",
                                                                           paidOn: date(day), billId: bill.id))
            }
            purchaseCount += 1
        }

        // Expenses: rent, salaries and electricity each month, transport and repairs now and then;
        // cash deposited in the bank every week.
        var expenseCount = 0
        for month in 0..<3 {
            let first = booksStart.addingTimeInterval(Double(month) * 30 * 86_400 + 10 * 3600)
            let b = books(at: first)
            for (amount, category, note, fromBank) in [(600_000, "Rent", "Shop rent", true), (500_000, "Salary", "Raju (helper)", false),
                                                       (95_000 + Int64(month) * 6_000, "Electricity", "MSEDCL bill", true)] {
                _ = try await b.recordExpense(ExpenseInput(amount: amount, category: category, date: date(first), accountId: fromBank ? bank.id : nil,
                                                           mode: fromBank ? .bank : .cash, note: note))
                expenseCount += 1
            }
            for k in 0..<3 {
                let day = first.addingTimeInterval(Double(4 + k * 9) * 86_400)
                _ = try await books(at: day).recordExpense(ExpenseInput(amount: Int64.random(in: 30_000...90_000, using: &rng),
                                                                        category: k == 1 ? "Repairs" : "Transport", date: date(day),
                                                                        note: k == 1 ? "Shutter repair" : "Tempo hire"))
                expenseCount += 1
            }
        }

        let people: [(String, String, String?)] = [
            ("Ramesh Traders", "+919812345678", "Maharashtra"), ("Sharma Constructions", "+919812345679", "Maharashtra"),
            ("Anita Desai", "+919822000111", "Maharashtra"), ("Gupta & Sons", "+919833000222", "Gujarat"),
            ("Shree Ganesh Builders", "+919844000333", "Maharashtra"), ("Mohammed Iqbal", "+919855000444", "Maharashtra"),
            ("Lakshmi Interiors", "+919866000555", "Karnataka"), ("Patil Contractors", "+919877000666", "Maharashtra"),
            ("Kavita Joshi", "+919888000777", "Maharashtra"), ("Singh Hardware", "+919899000888", "Madhya Pradesh"),
            ("Deshmukh Homes", "+919800100999", "Maharashtra"), ("Fernandes Villa Project", "+919800200111", "Goa"),
            ("Rao Infra", "+919800300222", "Telangana"), ("Meena Kulkarni", "+919800400333", "Maharashtra"),
            ("Verma Electricals", "+919800500444", "Maharashtra"),
        ]
        // Registered buyers (GSTIN, address with PIN) in and out of the state, so every GSTR-1 table
        // and the e-invoice have rows: (the GSTIN's PAN part, address).
        let registered: [String: (pan: String, address: String)] = [
            "Sharma Constructions": ("AAECS4821K1Z", "Plot 7, MIDC Ambad, Nashik 422010"),
            "Gupta & Sons": ("AAFFG7315L1Z", "21 Ring Road, Surat 395002"),
            "Lakshmi Interiors": ("AABCL9902M1Z", "4th Cross, Indiranagar, Bengaluru 560038"),
            "Rao Infra": ("AAGCR1187N1Z", "Road No. 12, Banjara Hills, Hyderabad 500034"),
        ]
        var customers: [Customer] = []
        for (name, phone, state) in people {
            var gstin: String? = nil, address: String? = nil
            if let reg = registered[name], let code = Validate.states.first(where: { $0.name == state })?.code,
               let check = Validate.gstinCheckCharacter(code + reg.pan) {
                gstin = code + reg.pan + String(check)
                address = reg.address
            }
            customers.append(try await service(at: start).createCustomer(CustomerInput(
                name: name, phone: phone, email: nil, address: address, state: state, gstin: gstin, notes: nil)))
        }

        // 40 invoices spread over the last 60 days; most paid, some partly, a few left owing.
        var invoiceCount = 0, paymentCount = 0
        let stocked = products.dropLast()  // keep the low-stock product low
        for n in 0..<40 {
            let day = start.addingTimeInterval(Double(n) * 1.5 * 86_400 + Double(Int.random(in: 9...19, using: &rng)) * 3600)
            let s = service(at: day)
            let customer = customers[Int.random(in: 0..<customers.count, using: &rng)]
            let lineCount = Int.random(in: 1...3, using: &rng)
            var lines: [InvoiceLineInput] = []
            for p in stocked.shuffled(using: &rng).prefix(lineCount) {
                // Small enough that 40 invoices never exhaust the stock.
                let units = Int64.random(in: 1...max(1, p.stock / 1000 / 20), using: &rng)
                lines.append(InvoiceLineInput(productId: p.id, description: nil, quantity: Quantity(thousandths: units * 1000),
                                              unitPrice: nil, discount: nil, unit: nil))
            }
            let draft = try await s.createInvoice(InvoiceInput(customerId: customer.id!, issueDate: Validate.localDate(day, timezone: business.timezone),
                                                               dueDate: nil, notes: nil, items: lines, issue: false, payment: nil))
            let roll = Int.random(in: 0..<10, using: &rng)
            let upfront: UpfrontPayment? = roll < 6
                ? UpfrontPayment(amount: draft.total, mode: [.cash, .upi, .upi, .bank][Int.random(in: 0..<4, using: &rng)])
                : (roll < 8 ? UpfrontPayment(amount: draft.total / 2, mode: .cash) : nil)
            _ = try await s.issueInvoice(draft.id!, payment: upfront)
            invoiceCount += 1
            if upfront != nil { paymentCount += 1 }
        }
        // A few goods returned: one unit off the first line of some invoices, as credit notes.
        var returned = 0
        for inv in try await Invoice.query(on: app.db).filter(\.$businessID == business.id!).filter(\.$status != .draft)
            .sort(\.$number).all() where returned < 3 && (inv.number ?? 0) % 9 == 4 {
            guard let line = try await InvoiceItem.query(on: app.db).filter(\.$invoiceID == inv.id!).sort(\.$position).first() else { continue }
            let when = min(now, (inv.issuedAt ?? now).addingTimeInterval(2 * 86_400))
            _ = try await service(at: when).createCreditNote(invoiceID: inv.id!, CreditNoteInput(
                items: [CreditNoteLineInput(itemId: line.id!, quantity: Quantity(thousandths: 1000))],
                reason: ["Damaged in transit", "Wrong size delivered", "Customer returned extra"][returned]))
            returned += 1
        }

        // Some later part-payments against what is owed, leaving a few debtors.
        for customer in customers.prefix(6) {
            let fresh = try await service(at: now).customer(customer.id!)
            guard fresh.balance > 0 else { continue }
            let when = now.addingTimeInterval(-Double(Int.random(in: 1...5, using: &rng)) * 86_400)
            _ = try await service(at: when).recordPayment(PaymentInput(
                customerId: customer.id!, amount: max(100, fresh.balance / 2), mode: .upi, reference: "UPI-\(Int.random(in: 100000...999999, using: &rng))",
                paidOn: Validate.localDate(when, timezone: business.timezone), invoiceId: nil, notes: nil))
            paymentCount += 1
        }
        // Weekly deposits of the cash takings, keeping about ₹20,000 in the drawer.
        var day = start.addingTimeInterval(7 * 86_400 + 18 * 3600)
        while day < now {
            let drawer = try await books(at: day).account(cash.id!).balance
            if drawer > 2_000_000 {
                _ = try await books(at: day).transfer(TransferInput(fromAccountId: cash.id!, toAccountId: bank.id!, amount: drawer - 2_000_000,
                                                                    date: date(day), note: "Cash deposited at HDFC"))
            }
            day = day.addingTimeInterval(7 * 86_400)
        }
        return Summary(businessID: business.id!, businessName: business.name, products: products.count,
                       customers: customers.count, invoices: invoiceCount, payments: paymentCount,
                       suppliers: suppliers.count, purchases: purchaseCount, expenses: expenseCount)
    }
}
