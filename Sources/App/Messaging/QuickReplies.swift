import Fluent
import Foundation
import Vapor

/// A saved answer of the inbox (issue 18 §5): typed `/rates` in the composer, it fills the reply.
/// `{business_name}` and `{price_list}` (the current catalogue with prices, GST-inclusive where the
/// product says so) are filled when the list is read; `{customer_name}` by the inbox, per chat.
final class QuickReply: Model, @unchecked Sendable {
    static let schema = "quick_replies"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "name") var name: String
    @Field(key: "text") var text: String
    @OptionalField(key: "media_url") var mediaURL: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

struct QuickReplyDTO: Content {
    let id: UUID
    let name: String
    let text: String
    /// `text` with {business_name} and {price_list} filled in now.
    let filledText: String
    @NullEncoded var mediaUrl: String?
    let createdAt: Date
    let updatedAt: Date
}

struct QuickReplies {
    let messaging: MessagingService

    struct Input: Content {
        var name: String?
        var text: String?
        var mediaUrl: String?
    }

    static let maxCount = 200
    /// The most products `{price_list}` names (the rest are summed up in one line).
    static let priceListLines = 30

    func list() async throws -> [QuickReplyDTO] {
        try await dtos(QuickReply.query(on: messaging.db).filter(\.$businessID == messaging.businessID).sort(\.$name).all())
    }

    /// The replies with {business_name} and {price_list} filled in (the catalogue is read only
    /// when one of them uses the price list).
    func dtos(_ rows: [QuickReply]) async throws -> [QuickReplyDTO] {
        guard !rows.isEmpty else { return [] }
        let needsPrices = rows.contains { $0.text.contains("{price_list}") }
        let business = try await AccountsService(db: messaging.db).business(messaging.businessID)
        let prices = needsPrices ? try await priceList(hindi: business.preferredLanguage == "hi") : ""
        return rows.map { r in
            let filled = r.text.replacingOccurrences(of: "{business_name}", with: business.name).replacingOccurrences(of: "{price_list}", with: prices)
            return QuickReplyDTO(id: r.id!, name: r.name, text: r.text, filledText: filled, mediaUrl: r.mediaURL, createdAt: r.createdAt, updatedAt: r.updatedAt)
        }
    }

    /// "Cement (bag): ₹350.00 incl. GST" per active product, in name order.
    func priceList(hindi: Bool) async throws -> String {
        let products = try await LedgerReads(db: messaging.db, businessID: messaging.businessID).activeProducts(limit: 2000)
            .sorted { $0.name.localizedCaseInsensitiveCompare($1.name) == .orderedAscending }
        var lines = products.prefix(Self.priceListLines).map { p in
            let gst = (p.gstRateBP ?? 0) > 0 ? (p.priceIncludesGST ? (hindi ? " GST sahit" : " incl. GST") : (hindi ? " + GST" : " + GST")) : ""
            return "• \(p.name) (\(p.unit)): \(Money.format(p.price))\(gst)"
        }
        if products.count > Self.priceListLines {
            lines.append(hindi ? "…aur \(products.count - Self.priceListLines) aur" : "…and \(products.count - Self.priceListLines) more")
        }
        return lines.joined(separator: "\n")
    }

    private func validated(_ input: Input, onto r: QuickReply, creating: Bool) throws {
        var problems: [String: String] = [:]
        if let raw = input.name {
            let n = raw.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "/", with: "")
            if (1...30).contains(n.count), n.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) { r.name = n }
            else { problems["name"] = "must be 1 to 30 letters, digits, - or _ (typed after /)" }
        } else if creating { problems["name"] = "is required" }
        if let t = input.text {
            let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
            if (1...1600).contains(trimmed.count) { r.text = trimmed } else { problems["text"] = "must be 1 to 1600 characters" }
        } else if creating { problems["text"] = "is required" }
        if let u = input.mediaUrl {
            if u.isEmpty { r.mediaURL = nil }
            else if let url = URL(string: u), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil, u.count <= 1000 { r.mediaURL = u }
            else { problems["media_url"] = "must be an http(s) URL of an image" }
        }
        guard problems.isEmpty else { throw APIError.validation(problems) }
    }

    private func find(_ id: UUID) async throws -> QuickReply {
        guard let r = try await QuickReply.query(on: messaging.db).filter(\.$businessID == messaging.businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Quick reply")
        }
        return r
    }

    private func save(_ r: QuickReply, creating: Bool) async throws {
        try await messaging.store.write(messaging.db) { tx in
            var q = QuickReply.query(on: tx).filter(\.$businessID == r.businessID).filter(\.$name == r.name)
            if let id = r.id, !creating { q = q.filter(\.$id != id) }
            if try await q.first() != nil {
                throw APIError.conflict("name_taken", "A quick reply called /\(r.name) already exists.")
            }
            if creating {
                guard try await QuickReply.query(on: tx).filter(\.$businessID == r.businessID).count() < Self.maxCount else {
                    throw APIError.conflict("too_many", "A business can keep at most \(Self.maxCount) quick replies.")
                }
                try await r.create(on: tx)
            } else {
                try await r.save(on: tx)
            }
        }
    }

    func create(_ input: Input) async throws -> QuickReply {
        let r = QuickReply()
        r.id = UUID()
        r.businessID = messaging.businessID
        r.name = ""
        r.text = ""
        r.createdAt = messaging.now
        r.updatedAt = messaging.now
        try validated(input, onto: r, creating: true)
        try await save(r, creating: true)
        return r
    }

    func update(_ id: UUID, _ input: Input) async throws -> QuickReply {
        let r = try await find(id)
        try validated(input, onto: r, creating: false)
        r.updatedAt = messaging.now
        try await save(r, creating: false)
        return r
    }

    func delete(_ id: UUID) async throws {
        let r = try await find(id)
        try await messaging.store.write(messaging.db) { tx in try await r.delete(on: tx) }
    }

    func dto(_ r: QuickReply) async throws -> QuickReplyDTO {
        guard let d = try await dtos([r]).first else { throw APIError.notFound("Quick reply") }
        return d
    }
}
