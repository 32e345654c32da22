import Fluent
import Foundation
import Vapor

/// Every dashboard figure, computed from the database for one business (issue 6 §1).
struct DashboardService {
    let app: Application
    let db: any Database
    let businessID: UUID
    let now: Date

    struct PeriodFigure: Content {
        let amount: Int64
        let invoices: Int
        let previous: Int64
        let previousInvoices: Int
        let from: String
        let to: String
    }

    struct Sales: Content {
        let today: PeriodFigure
        let thisWeek: PeriodFigure
        let thisMonth: PeriodFigure
    }

    struct Collected: Content {
        let today: Int64
        let thisWeek: Int64
        let thisMonth: Int64
    }

    struct Debtor: Content {
        let customer: PaymentCustomerRef
        let due: Int64
        let daysOverdue: Int
    }

    struct Debtors: Content {
        let count: Int
        let top: [Debtor]
    }

    struct LowStock: Content {
        let id: UUID
        let name: String
        let stock: Quantity
        let unit: String
        let lowStockThreshold: Quantity
    }

    struct Day: Content {
        let date: String
        let amount: Int64
        let invoices: Int
    }

    /// Messages per platform (issue 19 §3). `connected` is false while the business has no
    /// channel: the panel then says how to connect one.
    struct Messages: Content {
        let connected: Bool
        let message: String
        /// One series per platform that had messages or has a channel: 14 days, oldest first.
        let series: [PlatformSeries]
        /// Today's messages (in and out) per platform.
        let today: [PlatformCount]
        let todayTotal: Int
        /// Unread messages over all conversations.
        let unread: Int
    }

    struct PlatformSeries: Content {
        let platform: String
        let points: [Point]
    }

    struct Point: Content {
        let date: String
        let count: Int
    }

    struct PlatformCount: Content {
        let platform: String
        let count: Int
    }

    /// Workflows and their runs (issue 19 §3): the last 7 days and today. `connected` is false
    /// while the business has no workflow.
    struct Runs: Content {
        let connected: Bool
        let message: String
        let workflows: Int
        let activeWorkflows: Int
        let succeeded: Int
        let failed: Int
        /// Waiting for an approval or a delay.
        let waiting: Int
        let today: RunCounts
    }

    struct RunCounts: Content {
        let succeeded: Int
        let failed: Int
        let waiting: Int
        /// Queued or running now.
        let inProgress: Int
    }

    struct Activity: Content {
        let type: String
        let id: UUID
        let at: Date
        let title: String
        let amount: Int64
        let customer: PaymentCustomerRef
        /// What the title names, for a client that words it in its own language: the invoice
        /// number, or the payment mode.
        var number: String? = nil
        var mode: String? = nil
    }

    /// The other half of the books (issue 16): where the money is, what is owed, this month's profit.
    struct Books: Content {
        let cashInHand: Int64
        let bankAndUPI: Int64
        let payables: Int64
        let suppliersOwed: Int
        let profitThisMonth: Int64
        let expensesThisMonth: Int64

        enum CodingKeys: String, CodingKey {
            case cashInHand = "cash_in_hand", bankAndUPI = "bank_and_upi", payables, suppliersOwed = "suppliers_owed"
            case profitThisMonth = "profit_this_month", expensesThisMonth = "expenses_this_month"
        }
    }

    struct Dashboard: Content {
        let generatedAt: Date
        let timezone: String
        let today: String
        let empty: Bool
        let sales: Sales
        let collected: Collected
        let outstanding: Int64
        let debtors: Debtors
        let lowStock: [LowStock]
        let sales30d: [Day]
        let messages14d: Messages
        let runs7d: Runs
        let activity: [Activity]
        let books: Books

        enum CodingKeys: String, CodingKey {
            case generatedAt, timezone, today, empty, sales, collected, outstanding, debtors, lowStock, books
            case sales30d = "sales_30d", messages14d = "messages_14d", runs7d = "runs_7d", activity
        }
    }

    /// The ledger's rows, read through its service (DESIGN §2).
    var ledger: LedgerReads { LedgerReads(db: db, businessID: businessID) }

    func build() async throws -> Dashboard {
        let business = try await AccountsService(db: db).business(businessID)
        let periods = Periods(now: now, timezone: business.timezone)
        let since = Periods.add(days: -70, to: periods.today)  // covers last month and 30 days

        // Posted invoices and payments of the window, summed in Swift (portable, and small).
        let invoices = try await ledger.postedInvoices(from: since)
        let payments = try await ledger.payments(from: since)

        func sales(_ r: (String, String)) -> (Int64, Int) {
            let hit = invoices.filter { $0.issueDate >= r.0 && $0.issueDate <= r.1 }
            return (hit.reduce(0) { $0 + $1.total }, hit.count)
        }
        func figure(_ period: String) -> PeriodFigure {
            let r = periods.range(period), p = periods.previous(period)
            let (a, n) = sales(r), (pa, pn) = sales(p)
            return PeriodFigure(amount: a, invoices: n, previous: pa, previousInvoices: pn, from: r.0, to: r.1)
        }
        func collected(_ period: String) -> Int64 {
            let r = periods.range(period)
            return payments.filter { $0.paidOn >= r.0 && $0.paidOn <= r.1 }.reduce(into: Tally()) { $0 += $1.amount }.value
        }

        let owing = try await ledger.debtors()
        let top = try await Self.debtors(owing.prefix(5), ledger: ledger, today: periods.today)

        let products = try await ledger.activeProducts()
        let low = products.filter { $0.stock <= $0.lowStockThreshold }.sorted { $0.name < $1.name }.prefix(10).map {
            LowStock(id: $0.id!, name: $0.name, stock: Quantity(thousandths: $0.stock), unit: $0.unit,
                     lowStockThreshold: Quantity(thousandths: $0.lowStockThreshold))
        }

        var days: [Day] = []
        for offset in (0..<30).reversed() {
            let d = Periods.add(days: -offset, to: periods.today)
            let (a, n) = sales((d, d))
            days.append(Day(date: d, amount: a, invoices: n))
        }

        let customerCount = try await ledger.customerCount()
        let invoiceCount = try await ledger.invoiceCount()

        return Dashboard(
            generatedAt: now, timezone: business.timezone, today: periods.today,
            empty: products.isEmpty && customerCount == 0 && invoiceCount == 0,
            sales: Sales(today: figure("today"), thisWeek: figure("this_week"), thisMonth: figure("this_month")),
            collected: Collected(today: collected("today"), thisWeek: collected("this_week"), thisMonth: collected("this_month")),
            outstanding: owing.reduce(into: Tally()) { $0 += $1.balance }.value,
            debtors: Debtors(count: owing.count, top: top),
            lowStock: Array(low),
            sales30d: days,
            messages14d: try await messages(periods: periods, timezone: business.timezone),
            runs7d: try await runs(periods: periods, timezone: business.timezone),
            activity: try await activity(),
            books: try await books(periods: periods))
    }

    func books(periods: Periods) async throws -> Books {
        let service = BooksService(db: db, store: app.store, businessID: businessID, userID: nil, now: now)
        let money = try await service.moneySummary()
        let month = periods.range("this_month")
        let pl = try await service.profitAndLoss(from: month.0, to: month.1)
        return Books(cashInHand: money.cash, bankAndUPI: money.bank, payables: money.payables, suppliersOwed: money.suppliersOwed,
                     profitThisMonth: pl.netProfit, expensesThisMonth: pl.expenses)
    }

    /// The start of the business-local day `date` as an instant (dates here come from `Periods`).
    func startOfDay(_ date: String, timezone: String) -> Date {
        Periods.startOfDay(date, timezone: timezone) ?? now
    }

    func messages(periods: Periods, timezone: String) async throws -> Messages {
        let first = Periods.add(days: -13, to: periods.today)
        let traffic = try await MessagingService(app: app, businessID: businessID, db: db)
            .traffic(since: startOfDay(first, timezone: timezone), timezone: timezone)
        let days = (0..<14).map { Periods.add(days: $0 - 13, to: periods.today) }
        let platforms = Set(traffic.platforms).union(traffic.perDay.keys).sorted()
        let series = platforms.map { p in
            PlatformSeries(platform: p, points: days.map { Point(date: $0, count: traffic.perDay[p]?[$0] ?? 0) })
        }
        let today = platforms.map { PlatformCount(platform: $0, count: traffic.perDay[$0]?[periods.today] ?? 0) }
        let connected = !traffic.platforms.isEmpty
        return Messages(connected: connected,
                        message: connected ? "" : "No messages yet — connect WhatsApp or another channel on Integrations.",
                        series: series, today: today, todayTotal: today.reduce(0) { $0 + $1.count }, unread: traffic.unread)
    }

    func runs(periods: Periods, timezone: String) async throws -> Runs {
        let first = Periods.add(days: -6, to: periods.today)
        let f = try await WorkflowService(app: app, businessID: businessID)
            .runFigures(since: startOfDay(first, timezone: timezone), todayStart: startOfDay(periods.today, timezone: timezone))
        func n(_ counts: [RunStatus: Int], _ statuses: RunStatus...) -> Int { statuses.reduce(0) { $0 + (counts[$1] ?? 0) } }
        return Runs(connected: f.workflows > 0,
                    message: f.workflows > 0 ? "" : "No workflows yet — build one on the Workflows page.",
                    workflows: f.workflows, activeWorkflows: f.active,
                    succeeded: n(f.window, .succeeded), failed: n(f.window, .failed), waiting: n(f.window, .waiting),
                    today: RunCounts(succeeded: n(f.today, .succeeded), failed: n(f.today, .failed), waiting: n(f.today, .waiting),
                                     inProgress: n(f.today, .queued, .running)))
    }

    /// Debtors with how long their oldest open invoice has been due (dashboard and assistant).
    static func debtors(_ customers: some Sequence<Customer>, ledger: LedgerReads, today: String) async throws -> [Debtor] {
        var out: [Debtor] = []
        for c in customers {
            let oldest = try await ledger.oldestOpenInvoice(customerID: c.id!)
            let since = oldest.map { $0.dueDate ?? $0.issueDate } ?? today
            out.append(Debtor(customer: PaymentCustomerRef(id: c.id!, name: c.name), due: c.balance,
                              daysOverdue: max(0, Periods.daysBetween(since, today))))
        }
        return out
    }

    /// The latest invoices issued or voided and payments recorded, newest first.
    func activity(limit: Int = 20) async throws -> [Activity] {
        let invoices = try await ledger.recentInvoices(limit: limit)
        let payments = try await ledger.recentPayments(limit: limit)
        let names = try await ledger.customerNames(invoices.map(\.customerID) + payments.map(\.customerID))
        var items: [Activity] = []
        for inv in invoices {
            let who = PaymentCustomerRef(id: inv.customerID, name: names[inv.customerID] ?? "")
            if let at = inv.issuedAt {
                items.append(Activity(type: "invoice", id: inv.id!, at: at, title: "Invoice \(inv.numberText ?? "") issued", amount: inv.total, customer: who,
                                      number: inv.numberText))
            }
            if inv.status == .void, let at = inv.voidedAt {
                items.append(Activity(type: "void", id: inv.id!, at: at, title: "Invoice \(inv.numberText ?? "") voided", amount: inv.total, customer: who,
                                      number: inv.numberText))
            }
        }
        for p in payments {
            items.append(Activity(type: "payment", id: p.id!, at: p.createdAt ?? now, title: "Payment received (\(p.mode.label))",
                                  amount: p.amount, customer: PaymentCustomerRef(id: p.customerID, name: names[p.customerID] ?? ""),
                                  mode: p.mode.rawValue))
        }
        return Array(items.sorted { $0.at > $1.at }.prefix(limit))
    }
}
