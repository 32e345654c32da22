import CXlsxWriter
import Foundation

/// Writes typed rows to an .xlsx file with libxlsxwriter in constant-memory mode (rows are flushed
/// as they are written), numbers as numbers and dates as dates (issue 6 §4).
final class XLSXWriter: @unchecked Sendable {
    let path: String
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    private var sheet: UnsafeMutablePointer<lxw_worksheet>?
    private var bold: UnsafeMutablePointer<lxw_format>?
    private var moneyFormat: UnsafeMutablePointer<lxw_format>?
    private var quantityFormat: UnsafeMutablePointer<lxw_format>?
    private var dateFormat: UnsafeMutablePointer<lxw_format>?
    private var row: UInt32 = 0
    private var widths: [Double] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(path: String, sheetName: String) throws {
        self.path = path
        var options = lxw_workbook_options()
        options.constant_memory = UInt8(LXW_TRUE.rawValue)
        let tmp = strdup(FileManager.default.temporaryDirectory.path)
        defer { free(tmp) }
        options.tmpdir = tmp
        guard let wb = workbook_new_opt(path, &options) else { throw Failure(description: "could not create the workbook") }
        workbook = wb
        sheet = workbook_add_worksheet(wb, String(sheetName.prefix(31)))
        bold = workbook_add_format(wb)
        format_set_bold(bold)
        moneyFormat = workbook_add_format(wb)
        format_set_num_format(moneyFormat, "#,##0.00")
        quantityFormat = workbook_add_format(wb)
        format_set_num_format(quantityFormat, "#,##0.###")
        dateFormat = workbook_add_format(wb)
        format_set_num_format(dateFormat, "yyyy-mm-dd")
    }

    func write(_ rows: [[Cell]]) {
        for cells in rows {
            for (i, cell) in cells.enumerated() {
                let col = UInt16(i)
                let header = row == 0
                switch cell {
                case .text(let s):
                    worksheet_write_string(sheet, row, col, s, header ? bold : nil)
                    track(i, Double(s.count))
                case .money(let p):
                    worksheet_write_number(sheet, row, col, Double(p) / 100, moneyFormat)
                    track(i, 12)
                case .quantity(let q):
                    worksheet_write_number(sheet, row, col, Double(q) / 1000, quantityFormat)
                    track(i, 10)
                case .int(let n):
                    worksheet_write_number(sheet, row, col, Double(n), nil)
                case .date(let d):
                    let parts = d.split(separator: "-").compactMap { Int32($0) }
                    if parts.count == 3 {
                        var dt = lxw_datetime(year: parts[0], month: parts[1], day: parts[2], hour: 0, min: 0, sec: 0)
                        worksheet_write_datetime(sheet, row, col, &dt, dateFormat)
                    }
                    track(i, 11)
                case .empty:
                    break
                }
            }
            row += 1
        }
    }

    private func track(_ col: Int, _ width: Double) {
        while widths.count <= col { widths.append(8) }
        widths[col] = min(50, max(widths[col], width + 2))
    }

    func close() throws {
        guard let wb = workbook else { return }
        workbook = nil
        let rc = workbook_close(wb)
        guard rc == LXW_NO_ERROR else { throw Failure(description: "writing the workbook failed (\(rc.rawValue))") }
    }

    deinit {
        if let wb = workbook { _ = workbook_close(wb) }
    }
}

/// Any export as an A4 table PDF (statement and ledger PDFs use the ledger rows): title, business,
/// period, the table with a repeated header on each page (issue 6 §3).
enum ReportPDF {
    static func render(title: String, business: String, subtitle: String, rows: [[Cell]]) -> Data {
        let pdf = PDFCanvas()
        let m = PDFCanvas.margin, right = PDFCanvas.width - m, contentWidth = right - m
        guard let header = rows.first else { return pdf.finish() }
        let body = Array(rows.dropFirst())
        func text(_ c: Cell) -> String {
            switch c {
            case .text(let s): return s
            case .money(let p): return Money.format(p)
            case .quantity(let q): return Quantity(thousandths: q).description
            case .int(let n): return String(n)
            case .date(let d): return IndianDate.text(d)  // 07-12-2026, as Indian documents print dates
            case .empty: return ""
            }
        }
        // Column widths from content length, scaled to the page.
        var weights = header.map { Double(text($0).count) }
        for r in body.prefix(200) { for (i, c) in r.enumerated() where i < weights.count { weights[i] = max(weights[i], Double(min(40, text(c).count))) } }
        weights = weights.map { max(4, $0) }
        let total = weights.reduce(0, +)
        let widths = weights.map { $0 / total * contentWidth }
        let numeric: [Bool] = header.indices.map { i in body.contains { r in
            if i < r.count, case .money = r[i] { return true }
            if i < r.count, case .quantity = r[i] { return true }
            if i < r.count, case .int = r[i] { return true }
            return false
        } }

        var y = m
        pdf.text(title, x: m, y: y, width: contentWidth, size: 15, bold: true)
        y += 20
        pdf.text("\(business)\n\(subtitle)", x: m, y: y, width: contentWidth, size: 9, gray: 0.3)
        y += 30
        func drawHeader() {
            pdf.fill(x: m, y: y, w: contentWidth, h: 16, gray: 0.92)
            var x = m
            for (i, c) in header.enumerated() {
                pdf.text(text(c), x: x + 2, y: y + 3, width: widths[i] - 4, size: 7, bold: true, align: numeric[i] ? .right : .left)
                x += widths[i]
            }
            y += 19
        }
        drawHeader()
        if body.isEmpty {
            pdf.text("No entries for this period.", x: m, y: y + 4, size: 9, gray: 0.4)
        }
        for r in body {
            var x = m, h = 11.0
            for (i, c) in r.enumerated() where i < widths.count {
                h = max(h, pdf.text(text(c), x: x + 2, y: y, width: widths[i] - 4, size: 7.5, align: numeric[i] ? .right : .left) + 3)
                x += widths[i]
            }
            y += h
            pdf.line(m, y - 1.5, right, y - 1.5, width: 0.3, gray: 0.88)
            if y > PDFCanvas.height - m - 20 {
                pdf.newPage()
                y = m
                drawHeader()
            }
        }
        return pdf.finish()
    }
}
