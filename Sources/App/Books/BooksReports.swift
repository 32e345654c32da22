import Fluent
import Foundation

/// The books' exports (issue 16 §7): purchase register, expense report, payables aging, cash and
/// bank book, profit and loss — rows for the same CSV, XLSX and PDF writers as the ledger's, in
/// pages, read-only.
extension BooksService {
    static let reportPage = 500

    func reportRows(_ id: String, from: String, to: String, today: String, _ emit: ReportData.Emit) async throws {
        switch id {
        case "purchases": try await purchaseRegister(from: from, to: to, emit)
        case "expenses": try await expenseReport(from: from, to: to, emit)
        case "payables": try await payablesAging(today: today, emit)
        case "cash-book": try await cashBook(from: from, to: to, emit)
        default: try await profitAndLossRows(from: from, to: to, emit)
        }
    }

    func purchaseRegister(from: String, to: String, _ emit: ReportData.Emit) async throws {
        try await emit(ReportData.header(["Date", "Supplier", "Supplier GSTIN", "Bill no.", "Status", "Taxable (INR)", "CGST (INR)", "SGST (INR)",
                                          "IGST (INR)", "Total (INR)", "Paid (INR)", "Due (INR)"]))
        var offset = 0
        while true {
            let bills = try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$billDate >= from).filter(\.$billDate <= to)
                .sort(\.$billDate).sort(\.$createdAt).sort(\.$id).range(offset..<(offset + Self.reportPage)).all()
            if !bills.isEmpty {
                let suppliers = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$id ~~ Array(Set(bills.map(\.supplierID)))).all()
                let byID = Dictionary(uniqueKeysWithValues: suppliers.map { ($0.id!, $0) })
                try await emit(bills.map { b in
                    let half = b.interState ? 0 : b.taxTotal / 2
                    let void = b.status == .void
                    return [.date(b.billDate), .text(byID[b.supplierID]?.name ?? ""), .text(byID[b.supplierID]?.gstin ?? ""), .text(b.billNumber ?? ""),
                            .text(b.status.rawValue), .money(b.subtotal), .money(half), .money(half), .money(b.interState ? b.taxTotal : 0),
                            .money(b.total), .money(b.amountPaid), .money(void ? 0 : b.total - b.amountPaid)]
                })
            }
            if bills.count < Self.reportPage { break }
            offset += Self.reportPage
        }
    }

    func expenseReport(from: String, to: String, _ emit: ReportData.Emit) async throws {
        try await emit(ReportData.header(["Date", "Category", "Note", "Paid from", "Amount (INR)", "GST in it (INR)", "Before GST (INR)"]))
        let accounts = Dictionary(uniqueKeysWithValues: try await MoneyAccount.query(on: db).filter(\.$businessID == businessID).all().map { ($0.id!, $0.name) })
        var offset = 0
        while true {
            let rows = try await Expense.query(on: db).filter(\.$businessID == businessID).filter(\.$spentOn >= from).filter(\.$spentOn <= to)
                .sort(\.$spentOn).sort(\.$createdAt).sort(\.$id).range(offset..<(offset + Self.reportPage)).all()
            try await emit(rows.map { e in
                [.date(e.spentOn), .text(e.category), .text(e.note ?? ""), .text(accounts[e.accountID] ?? ""), .money(e.amount), .money(e.gstPaid),
                 .money(e.amount - e.gstPaid)]
            })
            if rows.count < Self.reportPage { break }
            offset += Self.reportPage
        }
        var rows: [[Cell]] = [[.empty]]
        var amount = Tally(), gst = Tally(), before = Tally()
        for t in try await expenseTotals(from: from, to: to) {
            rows.append([.empty, .text("Total: \(t.category)"), .empty, .empty, .money(t.amount), .money(t.gst), .money(t.amount - t.gst)])
            amount.add(t.amount)
            gst.add(t.gst)
            before.add(t.amount - t.gst)
        }
        // …and the total of every category.
        rows.append([.empty, .text("Total"), .empty, .empty, .money(amount), .money(gst), .money(before)])
        if rows.count > 2 { try await emit(rows) }
    }

    /// What is owed to each supplier, by the age of the open bills (days since the bill date);
    /// an opening balance counts as the oldest.
    func payablesAging(today: String, _ emit: ReportData.Emit) async throws {
        try await emit(ReportData.header(["Supplier", "Phone", "0-30 days (INR)", "31-60 days (INR)", "61-90 days (INR)", "90+ days (INR)", "Total owed (INR)"]))
        let suppliers = try await Supplier.query(on: db).filter(\.$businessID == businessID).filter(\.$balance > 0).sort(\.$balance, .descending).all()
        guard !suppliers.isEmpty else { return }
        let open = try await PurchaseBill.query(on: db).filter(\.$businessID == businessID).filter(\.$status ~~ PurchaseStatus.open)
            .filter(\.$supplierID ~~ suppliers.map { $0.id! }).all()
        let bySupplier = Dictionary(grouping: open, by: \.supplierID)
        try await emit(suppliers.map { s in
            var buckets = [Tally(), Tally(), Tally(), Tally()]
            var inBills = Tally()
            for b in bySupplier[s.id!] ?? [] {
                let days = max(0, Periods.daysBetween(b.billDate, today))
                buckets[days <= 30 ? 0 : days <= 60 ? 1 : days <= 90 ? 2 : 3].add(b.total - b.amountPaid)
                inBills.add(b.total - b.amountPaid)
            }
            // What the bills do not explain (an opening balance, less any advance) is the oldest.
            if let explained = inBills.checked, s.balance > explained { buckets[3].add(s.balance - explained) }
            return [.text(s.name), .text(s.phone ?? "")] + buckets.map { Cell.money($0) } + [.money(s.balance)]
        })
    }

    /// Every account's entries in the period with its running balance, account by account.
    func cashBook(from: String, to: String, _ emit: ReportData.Emit) async throws {
        try await emit(ReportData.header(["Account", "Date", "Entry", "In (INR)", "Out (INR)", "Balance (INR)"]))
        for account in try await accounts(includeArchived: true) {
            let book = try await book(account.id!, from: from, to: to)
            var rows: [[Cell]] = [[.text(account.name), .date(from), .text("Opening balance"), .empty, .empty, .money(book.opening)]]
            for (e, balance) in book.entries {
                rows.append([.text(account.name), .date(e.entryDate), .text(e.description), e.amount >= 0 ? .money(e.amount) : .empty,
                             e.amount < 0 ? .money(-e.amount) : .empty, .money(balance)])
            }
            rows.append([.text(account.name), .date(to), .text("Closing balance"), .empty, .empty, .money(book.closing)])
            try await emit(rows)
        }
    }

    func profitAndLossRows(from: String, to: String, _ emit: ReportData.Emit) async throws {
        let pl = try await profitAndLoss(from: from, to: to)
        var rows: [[Cell]] = ReportData.header(["Item", "Amount (INR)"])
        rows.append([.text("Sales (before GST)"), .money(pl.sales)])
        rows.append([.text("Cost of goods sold"), .money(pl.costOfGoodsSold)])
        rows.append([.text("Gross profit"), .money(pl.grossProfit)])
        for c in pl.byCategory { rows.append([.text("Expense: \(c.category)"), .money(c.amount)]) }
        rows.append([.text("Expenses"), .money(pl.expenses)])
        rows.append([.text("Net profit"), .money(pl.netProfit)])
        try await emit(rows)
    }
}
