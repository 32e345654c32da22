import CCairoPango
import CQRencode
import Foundation

/// A4 PDF drawing over cairo + pango: real font embedding, font fallback (Noto covers ₹ and
/// Devanagari) and complex-script shaping come from the libraries, not from us (issue 6 §2).
/// Not thread-safe: one canvas per render, used from one thread.
final class PDFCanvas {
    static let width = 595.28, height = 841.89, margin = 40.0

    private final class Sink {
        var data = Data()
    }

    enum Align { case left, center, right }

    private let sink = Sink()
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private(set) var pageCount = 1

    init() {
        let write: cairo_write_func_t = { closure, bytes, length in
            guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
            return CAIRO_STATUS_SUCCESS
        }
        surface = cairo_pdf_surface_create_for_stream(write, Unmanaged.passUnretained(sink).toOpaque(), Self.width, Self.height)
        cr = cairo_create(surface)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Draws text at (x, y) (top-left of the layout box) and returns its height in points.
    @discardableResult
    func text(_ s: String, x: Double, y: Double, width: Double? = nil, size: Double = 9, bold: Bool = false,
              align: Align = .left, gray: Double = 0) -> Double {
        guard let layout = pango_cairo_create_layout(cr) else { return 0 }
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        // Points, not pixels: the PDF surface is 72 units per inch.
        pango_cairo_context_set_resolution(pango_layout_get_context(layout), 72)
        pango_layout_context_changed(layout)
        let desc = pango_font_description_from_string("Noto Sans\(bold ? " Bold" : "") \(size)")
        pango_layout_set_font_description(layout, desc)
        pango_font_description_free(desc)
        if let width {
            pango_layout_set_width(layout, Int32(width * 1024))
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            switch align {
            case .left: pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
            case .center: pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
            case .right: pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT)
            }
        }
        pango_layout_set_text(layout, s, -1)
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, layout)
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(layout, &w, &h)
        return Double(h) / 1024
    }

    func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, width: Double = 0.5, gray: Double = 0.6) {
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, x1, y1)
        cairo_line_to(cr, x2, y2)
        cairo_stroke(cr)
    }

    func fill(x: Double, y: Double, w: Double, h: Double, gray: Double) {
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_rectangle(cr, x, y, w, h)
        cairo_fill(cr)
    }

    /// A QR code (libqrencode, error correction M) drawn as vector squares with a quiet zone.
    func qr(_ payload: String, x: Double, y: Double, size: Double) {
        guard let code = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return }
        defer { QRcode_free(code) }
        let n = Int(code.pointee.width)
        let quiet = 4.0
        let module = size / (Double(n) + 2 * quiet)
        fill(x: x, y: y, w: size, h: size, gray: 1)
        cairo_set_source_rgb(cr, 0, 0, 0)
        for row in 0..<n {
            for col in 0..<n where code.pointee.data[row * n + col] & 1 == 1 {
                cairo_rectangle(cr, x + (Double(col) + quiet) * module, y + (Double(row) + quiet) * module, module, module)
            }
        }
        cairo_fill(cr)
    }

    func newPage() {
        cairo_show_page(cr)
        pageCount += 1
    }

    /// Ends the document and returns the PDF bytes.
    func finish() -> Data {
        cairo_show_page(cr)
        cairo_surface_finish(surface)
        return sink.data
    }
}
