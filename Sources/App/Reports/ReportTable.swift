import Foundation

/// A report's rows as the table the Reports page shows (issue 19 §5): typed columns, the data
/// rows sortable and paged, and the totals rows kept apart so they stay at the foot whatever the
/// order. Cells go out as JSON the way the API sends amounts everywhere: money in paise,
/// quantities as numbers, dates as YYYY-MM-DD.
struct ReportTable {
    struct Column {
        let name: String
        /// text, money, quantity, int or date: the kind of the column's first filled cell.
        let type: String
    }

    let columns: [Column]
    let data: [[Cell]]
    let totals: [[Cell]]
    /// Statements rather than lists keep their order.
    let sortable: Bool

    init(id: String, rows: [[Cell]], totalsAdded: Bool) {
        let header = rows.first ?? []
        let body = Array(rows.dropFirst())
        let tail = min(body.count, ReportTotals.tail(id, body: body, added: totalsAdded))
        data = Array(body.dropLast(tail))
        totals = Array(body.suffix(tail)).filter { $0 != [.empty] }
        sortable = id != "profit-and-loss"
        columns = header.indices.map { i in
            let name: String
            if case .text(let s) = header[i] { name = s } else { name = "" }
            let first = body.lazy.compactMap { r -> String? in
                guard i < r.count else { return nil }
                switch r[i] {
                case .empty: return nil
                case .text: return "text"
                case .money: return "money"
                case .quantity: return "quantity"
                case .int: return "int"
                case .date: return "date"
                }
            }.first
            return Column(name: name, type: first ?? "text")
        }
    }

    static func json(_ c: Cell) -> JSONValue {
        switch c {
        case .text(let s): return .string(s)
        case .money(let p): return .int(p)
        case .quantity(let q): return .double(Double(q) / 1000)
        case .int(let n): return .int(Int64(n))
        case .date(let d): return .string(d)
        case .empty: return .null
        }
    }

    /// Orders two cells of one column: numbers by value, dates and text (case-insensitive) in
    /// order; an empty cell, or text in a number column (an "error: too large"), after the rest.
    static func before(_ a: Cell, _ b: Cell) -> Bool? {
        func number(_ c: Cell) -> Double? {
            switch c {
            case .money(let p): return Double(p)
            case .quantity(let q): return Double(q)
            case .int(let n): return Double(n)
            default: return nil
            }
        }
        func text(_ c: Cell) -> String? {
            switch c {
            case .text(let s): return s
            case .date(let d): return d
            default: return nil
            }
        }
        if let x = number(a), let y = number(b) { return x == y ? nil : x < y }
        if let x = text(a), let y = text(b) {
            let r = x.compare(y, options: [.caseInsensitive, .numeric])
            return r == .orderedSame ? nil : r == .orderedAscending
        }
        let rank = { (c: Cell) -> Int in number(c) != nil ? 0 : (text(c) != nil ? 1 : 2) }
        return rank(a) == rank(b) ? nil : rank(a) < rank(b)
    }

    /// One page of the rows in the order asked for (a stable sort: equal cells keep the report's
    /// own order), with every column and the totals.
    func page(sort: Int?, descending: Bool, offset: Int, limit: Int) -> [String: JSONValue] {
        var rows = data
        if let sort, sortable {
            let cell = { (r: [Cell]) -> Cell in sort < r.count ? r[sort] : .empty }
            rows = rows.enumerated().sorted { a, b in
                let (x, y) = (cell(a.element), cell(b.element))
                let emptyX = x == .empty, emptyY = y == .empty
                if emptyX != emptyY { return emptyY }  // empty cells last in either order
                guard let first = Self.before(x, y) else { return a.offset < b.offset }
                return descending ? !first : first
            }.map(\.element)
        }
        let slice = offset < rows.count ? Array(rows[offset..<min(rows.count, offset + limit)]) : []
        return [
            "columns": .array(columns.map { ["name": .string($0.name), "type": .string($0.type)] }),
            "rows": .array(slice.map { .array($0.map(Self.json)) }),
            "totals": .array(totals.map { .array($0.map(Self.json)) }),
            "total_rows": .int(Int64(rows.count)),
            "offset": .int(Int64(offset)), "limit": .int(Int64(limit)),
            "sort": sort.flatMap { sortable ? .int(Int64($0)) : nil } ?? .null,
            "order": .string(descending ? "desc" : "asc"),
            "sortable": .bool(sortable),
        ]
    }
}
