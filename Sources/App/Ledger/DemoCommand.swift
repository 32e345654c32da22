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
        context.console.print("Demo business \"\(summary.businessName)\" created: \(summary.products) products, \(summary.customers) customers, \(summary.invoices) invoices, \(summary.payments) payments.")
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
        func service(at instant: Date) -> LedgerService {
            LedgerService(db: app.db, store: app.store, businessID: business.id!, userID: user.id!, now: instant)
        }

        let catalog: [(String, String, Int64, Int64, Int64, Int64?, String?)] = [
            // name, unit, price (paise), stock (units), low-stock threshold, GST bp, HSN
            ("Cement bag (50 kg)", "bag", 35_000, 400, 50, 2800, "2523"),
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
            ("White cement 5 kg", "bag", 42_000, 6, 8, 2800, "2523"),  // starts low on stock
        ]
        var products: [Product] = []
        for (name, unit, price, stock, threshold, gst, hsn) in catalog {
            products.append(try await service(at: start).createProduct(ProductInput(
                name: name, unit: unit, sku: nil, price: price, stock: Quantity(thousandths: Int64(stock) * 1000),
                lowStockThreshold: Quantity(thousandths: Int64(threshold) * 1000), hsn: hsn, gstRate: gst.map(GSTRate.init(basisPoints:)))))
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
        var customers: [Customer] = []
        for (name, phone, state) in people {
            customers.append(try await service(at: start).createCustomer(CustomerInput(
                name: name, phone: phone, email: nil, address: nil, state: state, notes: nil)))
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
                let units = Int64.random(in: 1...max(1, p.stock / 1000 / 60), using: &rng)
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
        return Summary(businessID: business.id!, businessName: business.name, products: products.count,
                       customers: customers.count, invoices: invoiceCount, payments: paymentCount)
    }
}
