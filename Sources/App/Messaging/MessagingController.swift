import Fluent
import Foundation
import SQLKit
import Vapor

/// `/api/v1/channels`, `/api/v1/inbox/...`, `/api/v1/simulator/messages` and
/// `/api/v1/customers/{id}/reminders` (docs/messaging-api.md).
struct MessagingController {
    func register(_ api: any RoutesBuilder) {
        api.on(.channels, use: listChannels)
        api.on(.channelCreate, use: createChannel)
        api.on(.channel, use: getChannel)
        api.on(.channelUpdate, use: updateChannel)
        api.on(.channelDelete, use: deleteChannel)
        api.on(.channelTest, use: testChannel)
        api.on(.inboxSessions, use: listSessions)
        api.on(.inboxSession, use: getSession)
        api.on(.inboxMessages, use: listMessages)
        api.on(.inboxReply, use: reply)
        api.on(.inboxBot, use: setBot)
        api.on(.inboxRead, use: markRead)
        api.on(.inboxMedia, use: media)
        api.on(.simulatorMessages, use: simulate)
        api.on(.customerReminders, use: remind)
        api.on(.debtorRemindersPreview, use: remindAllPreview)
        api.on(.debtorReminders, use: remindAll)
        api.on(.invoiceShare, use: shareInvoice)
        api.on(.invoiceSend, use: sendInvoice)
        api.on(.paymentSend, use: sendReceipt)
        api.on(.customerStatementSend, use: sendStatement)
        api.on(.whatsappTemplates, use: listTemplates)
        api.on(.whatsappTemplateCreate, use: createTemplate)
        api.on(.whatsappTemplateUpdate, use: updateTemplate)
        api.on(.whatsappTemplateDelete, use: deleteTemplate)
        api.on(.whatsappTemplatesTwilio, use: twilioTemplates)
        api.on(.whatsappTemplatePurposes, use: templatePurposes)
        api.on(.quickReplies, use: listQuickReplies)
        api.on(.quickReplyCreate, use: createQuickReply)
        api.on(.quickReplyUpdate, use: updateQuickReply)
        api.on(.quickReplyDelete, use: deleteQuickReply)
        api.on(.broadcasts, use: listBroadcasts)
        api.on(.broadcastPreview, use: previewBroadcast)
        api.on(.broadcastCreate, use: createBroadcast)
        api.on(.broadcast, use: getBroadcast)
    }

    static func service(_ req: Request) throws -> MessagingService {
        MessagingService(app: req.application, businessID: try req.principal.businessID)
    }

    static func dto(_ req: Request, _ c: Channel) -> ChannelDTO {
        ChannelDTO(c, publicBaseURL: req.application.publicBaseURL)
    }

    // MARK: channels

    @Sendable func listChannels(req: Request) async throws -> Page<ChannelDTO> {
        let p = try req.principal
        let rows = try await Channel.query(on: req.db).filter(\.$businessID == p.businessID).filter(\.$deletedAt == nil)
            .sort(\.$createdAt).limit(200).all()
        return Page(items: rows.map { Self.dto(req, $0) }, nextCursor: nil)
    }

    struct CreateChannelInput: Content {
        let kind: String
        let name: String?
        var credentials: ChannelCredentials?
        var pollIntervalSeconds: Int?
    }

    @Sendable func createChannel(req: Request) async throws -> Response {
        let p = try req.principal
        try p.requireOwner("connect channels")
        let input = try req.content.decode(CreateChannelInput.self)
        guard let kind = ChannelKind(rawValue: input.kind) else {
            throw APIError.validation("kind", "must be one of \(ChannelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var problems = (input.credentials ?? ChannelCredentials()).problems(for: kind)
        if name.isEmpty || name.count > 80 { problems["name"] = "must be 1 to 80 characters" }
        if let s = input.pollIntervalSeconds, !(15...86_400).contains(s) { problems["poll_interval_seconds"] = "must be from 15 to 86400" }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let creds = input.credentials ?? ChannelCredentials()
        let c = Channel()
        c.id = UUID()
        c.businessID = p.businessID
        c.kind = kind
        c.name = name
        c.status = kind == .simulator ? .connected : .pending
        c.identity = creds.identity(for: kind)
        c.credentials = kind == .simulator ? nil : try req.application.vault.seal(json: creds)
        c.enabled = true
        c.pollIntervalSeconds = kind.polls ? (input.pollIntervalSeconds ?? 60) : nil
        c.createdAt = req.now
        c.updatedAt = req.now
        try await Self.service(req).create(c)
        return try await Self.dto(req, c).encodeResponse(status: .created, for: req)
    }

    @Sendable func getChannel(req: Request) async throws -> ChannelDTO {
        Self.dto(req, try await Self.service(req).channel(try LedgerController.id(req)))
    }

    struct UpdateChannelInput: Content {
        var name: String?
        var credentials: ChannelCredentials?
        var enabled: Bool?
        var pollIntervalSeconds: Int?
    }

    @Sendable func updateChannel(req: Request) async throws -> ChannelDTO {
        try req.principal.requireOwner("change channels")
        let c = try await Self.service(req).channel(try LedgerController.id(req))
        let input = try req.content.decode(UpdateChannelInput.self)
        var problems: [String: String] = [:]
        if let name = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if name.isEmpty || name.count > 80 { problems["name"] = "must be 1 to 80 characters" } else { c.name = name }
        }
        if let s = input.pollIntervalSeconds {
            if !c.kind.polls { problems["poll_interval_seconds"] = "applies only to Bluesky, Mastodon and Instagram channels" }
            else if !(15...86_400).contains(s) { problems["poll_interval_seconds"] = "must be from 15 to 86400" }
            else { c.pollIntervalSeconds = s }
        }
        var recheck = false
        if let creds = input.credentials {
            if c.kind == .simulator { problems["credentials"] = "the simulator has no credentials" }
            else {
                let p = creds.problems(for: c.kind)
                problems.merge(p) { a, _ in a }
                if p.isEmpty {
                    c.credentials = try req.application.vault.seal(json: creds)
                    c.identity = creds.identity(for: c.kind)
                    c.status = .pending
                    c.statusDetail = nil
                    recheck = true
                }
            }
        }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        if let enabled = input.enabled, enabled != c.enabled {
            c.enabled = enabled
            recheck = recheck || enabled
        }
        c.updatedAt = req.now
        try await Self.service(req).save(c, recheck: recheck)
        req.application.webhookChannels.forget(c.id!)
        return Self.dto(req, c)
    }

    @Sendable func deleteChannel(req: Request) async throws -> HTTPStatus {
        try req.principal.requireOwner("remove channels")
        let service = try Self.service(req)
        let c = try await service.channel(try LedgerController.id(req))
        try await service.delete(c, now: req.now)
        req.application.webhookChannels.forget(c.id!)
        return .noContent
    }

    struct TestInput: Content {
        let to: String
        var text: String?
    }

    @Sendable func testChannel(req: Request) async throws -> Response {
        let service = try Self.service(req)
        let c = try await service.channel(try LedgerController.id(req))
        let input = try req.content.decode(TestInput.self)
        var to = input.to.trimmingCharacters(in: .whitespacesAndNewlines)
        if c.kind == .twilioWhatsapp {
            switch Validate.phone(MessagingService.normalizeHandle(c.kind, to)) {
            case .success(let p): to = p
            case .failure(let problem): throw APIError.validation("to", problem.text)
            }
        } else if to.isEmpty || to.count > 200 {
            throw APIError.validation("to", "must be 1 to 200 characters")
        }
        let business = try await LedgerService(db: req.db, store: req.store, businessID: c.businessID, userID: nil, now: req.now).business()
        let text = (input.text?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0.isEmpty ? nil : $0 }
            ?? "Test message from \(business.name) via Munim."
        guard text.count <= 1600 else { throw APIError.validation("text", "must be at most 1600 characters") }
        let (_, message) = try await service.send(on: c, to: to, text: text, author: "system", authorName: "Test")
        return try await MessageDTO(message).encodeResponse(status: .accepted, for: req)
    }

    // MARK: inbox

    @Sendable func listSessions(req: Request) async throws -> Page<InboxSessionDTO> {
        let p = try req.principal
        let page = try PageRequest(req)
        var q = InboxSession.query(on: req.db).filter(\.$businessID == p.businessID)
        if let platform = req.query[String.self, at: "platform"], !platform.isEmpty {
            let kinds = ChannelKind.allCases.filter { $0.platform == platform }
            guard !kinds.isEmpty else { throw APIError.validation("platform", "must be whatsapp, bluesky, mastodon, instagram or simulator") }
            let channelIDs = try await Channel.query(on: req.db).filter(\.$businessID == p.businessID).filter(\.$kind ~~ kinds).all().compactMap(\.id)
            q = q.filter(\.$channelID ~~ channelIDs)
        }
        if let unread = req.query[String.self, at: "unread"], ["true", "1"].contains(unread) {
            q = q.filter(\.$unreadCount > 0)
        }
        if let term = req.query[String.self, at: "q"]?.trimmingCharacters(in: .whitespaces), !term.isEmpty {
            guard term.count <= 100 else { throw APIError.validation("q", "must be at most 100 characters") }
            let sql = try req.db.sql
            let contactRows = try await sql.select().column("id").from(Contact.schema).where("business_id", .equal, p.businessID)
                .where(group: { $0.where(ContainsIgnoringCase(column: "name", term: term)).orWhere(ContainsIgnoringCase(column: "handle", term: term)) })
                .limit(1000).all()
            let contactIDs = try contactRows.map { try $0.decode(column: "id", as: UUID.self) }
            let messageRows = try await sql.select().distinct().column("session_id").from(Message.schema).where("business_id", .equal, p.businessID)
                .where(ContainsIgnoringCase(column: "text", term: term)).limit(1000).all()
            let sessionIDs = try messageRows.map { try $0.decode(column: "session_id", as: UUID.self) }
            q = q.group(.or) { $0.filter(\.$contactID ~~ contactIDs).filter(\.$id ~~ sessionIDs) }
        }
        let rows = try await q.sort(\.$updatedAt, .descending).sort(\.$id, .descending).paged(page).all()
        let dtos = try await InboxViews.sessions(rows, on: req.db)
        return page.page(dtos)
    }

    @Sendable func getSession(req: Request) async throws -> InboxSessionDTO {
        try await InboxViews.session(try await Self.service(req).session(try LedgerController.id(req)), on: req.db)
    }

    /// An inbound attachment, played or shown in the inbox. The provider's URL needs the channel's
    /// credentials (Twilio), so the server fetches it; only audio and images are served, inline,
    /// with their own type and no sniffing.
    @Sendable func media(req: Request) async throws -> Response {
        let service = try Self.service(req)
        let id = try LedgerController.id(req)
        guard let raw = req.parameters.get("index"), raw.count <= 2, raw.allSatisfy(\.isASCII), let index = Int(raw), index >= 0 else {
            throw APIError.badRequest("The attachment index in the path must be a number from 0.")
        }
        guard let message = try await Message.query(on: req.db).filter(\.$businessID == service.businessID).filter(\.$id == id).first(),
              message.direction == .inbound else { throw APIError.notFound("Message") }
        let refs = message.mediaRefs
        guard index < refs.count else { throw APIError.notFound("Attachment") }
        func playable(_ type: String?) -> Bool { VoiceNotes.isAudio(type) || VoiceNotes.baseType(type)?.hasPrefix("image/") == true }
        guard playable(refs[index].contentType) else {
            throw APIError(.notFound, "media_not_shown", "Only audio and images are shown here; this attachment is \(refs[index].contentType ?? "of an unknown type").")
        }
        let channel = try await service.channel(message.channelID, includeDeleted: true)
        let fetched: ChannelMedia
        do {
            fetched = try await ChannelAdapters.fetchMedia(req.application, channel: channel, url: refs[index].url)
        } catch let e as ChannelFailure {
            throw APIError(.badGateway, "media_unavailable", "The attachment could not be fetched: \(e.message)")
        }
        guard playable(fetched.contentType), let type = VoiceNotes.baseType(fetched.contentType) else {
            throw APIError(.badGateway, "media_unavailable", "The provider sent \(VoiceNotes.baseType(fetched.contentType) ?? "something") instead of audio or an image.")
        }
        let res = Response(status: .ok, body: .init(data: fetched.data))
        res.headers.replaceOrAdd(name: .contentType, value: type)
        res.headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=3600")
        return res
    }

    @Sendable func listMessages(req: Request) async throws -> MessagePage {
        let session = try await Self.service(req).session(try LedgerController.id(req))
        let limit = try PageRequest.limit(req)
        // before/after carry older_cursor/newer_cursor: anything else is 400 invalid_cursor.
        func seq(_ name: String) throws -> Int64? {
            guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
            guard raw.count <= 19, raw.allSatisfy(\.isASCII), let v = Int64(raw), v >= 0 else { throw PageRequest.invalidCursor }
            return v
        }
        let before = try seq("before"), after = try seq("after")
        guard before == nil || after == nil else { throw APIError.badRequest("Use either before or after, not both.") }
        var q = Message.query(on: req.db).filter(\.$sessionID == session.id!)
        var rows: [Message]
        if let after {
            rows = try await q.filter(\.$seq > after).sort(\.$seq, .ascending).limit(limit).all()
        } else {
            if let before { q = q.filter(\.$seq < before) }
            rows = try await q.sort(\.$seq, .descending).limit(limit).all()
            rows.reverse()
        }
        let first = rows.first?.seq
        var hasOlder = false
        if let first {
            hasOlder = try await Message.query(on: req.db).filter(\.$sessionID == session.id!).filter(\.$seq < first).count() > 0
        }
        let newest = rows.last?.seq ?? after ?? (before.map { $0 - 1 }) ?? 0
        return MessagePage(items: rows.map(MessageDTO.init), olderCursor: hasOlder ? first.map(String.init) : nil, newerCursor: String(newest))
    }

    struct ReplyInput: Content {
        let text: String
        var mediaUrl: String?
    }

    @Sendable func reply(req: Request) async throws -> Response {
        let p = try req.principal
        let service = try Self.service(req)
        let session = try await service.session(try LedgerController.id(req))
        let input = try req.content.decode(ReplyInput.self)
        let text = input.text.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if text.isEmpty && input.mediaUrl == nil { problems["text"] = "must not be empty" }
        if text.count > 1600 { problems["text"] = "must be at most 1600 characters" }
        if let m = input.mediaUrl, URL(string: m)?.scheme.map({ ["http", "https"].contains($0) }) != true { problems["media_url"] = "must be an http(s) URL" }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let authorName = try await AccountsService(db: req.db).userName(p.userID)
        let message = try await service.queueOutbound(session: session, text: text, mediaURL: input.mediaUrl, author: "staff",
                                                      authorName: authorName)
        if session.assigneeID == nil { try await service.assign(session, to: p.userID) }
        return try await MessageDTO(message).encodeResponse(status: .accepted, for: req)
    }

    struct BotInput: Content {
        let active: Bool
    }

    @Sendable func setBot(req: Request) async throws -> InboxSessionDTO {
        let service = try Self.service(req)
        let session = try await service.session(try LedgerController.id(req))
        let input = try req.content.decode(BotInput.self)
        guard !session.isOwner || !input.active else {
            throw APIError.validation("active", "the owner's own thread talks to the assistant, not the customer bot")
        }
        try await service.setBot(session, active: input.active, now: req.now)
        let dto = try await InboxViews.session(session, on: req.db)
        req.publish("session.updated", id: session.id!, data: ["session": (try? JSONValue(encoding: dto)) ?? .null])
        return dto
    }

    @Sendable func markRead(req: Request) async throws -> InboxSessionDTO {
        let service = try Self.service(req)
        let session = try await service.session(try LedgerController.id(req))
        if session.unreadCount != 0 { try await service.markRead(session) }
        let dto = try await InboxViews.session(session, on: req.db)
        req.publish("session.updated", id: session.id!, data: ["session": (try? JSONValue(encoding: dto)) ?? .null])
        return dto
    }

    // MARK: simulator and reminders

    struct SimulateInput: Content {
        var from: String?
        var name: String?
        let text: String
        var asOwner: Bool?
    }

    struct SimulateReply: Content {
        let sessionId: UUID
        let message: MessageDTO
    }

    @Sendable func simulate(req: Request) async throws -> Response {
        let p = try req.principal
        let service = try Self.service(req)
        let input = try req.content.decode(SimulateInput.self)
        let text = input.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 1600 else { throw APIError.validation("text", "must be 1 to 1600 characters") }
        var from = (input.from ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var name = input.name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if input.asOwner == true {
            let business = try await LedgerService(db: req.db, store: req.store, businessID: p.businessID, userID: nil, now: req.now).business()
            guard let number = business.whatsappNumber else {
                throw APIError(.unprocessableEntity, "owner_number_missing",
                               "Set your WhatsApp number in Settings first: messages from it go to the assistant.")
            }
            from = number
            name = name ?? business.ownerName
        }
        guard !from.isEmpty, from.count <= 100 else { throw APIError.validation("from", "must be 1 to 100 characters") }
        let channel = try await service.simulatorChannel()
        let inbound = InboundMessage(handle: from, name: (name?.isEmpty ?? true) ? nil : name, text: text,
                                     providerID: "sim-in-\(UUID().uuidString.lowercased())", receivedAt: req.now, asOwner: input.asOwner == true)
        guard case .stored(let message, let session) = try await service.recordInbound(channel, inbound) else {
            throw APIError.conflict("duplicate", "This message was already received.")
        }
        return try await SimulateReply(sessionId: session.id!, message: MessageDTO(message)).encodeResponse(status: .accepted, for: req)
    }

    struct RemindInput: Content {
        var channelId: UUID?
    }

    @Sendable func shareInvoice(req: Request) async throws -> InvoiceSharing.Share {
        let sharing = InvoiceSharing(messaging: try Self.service(req), userID: try req.principal.userID)
        return try await sharing.share(invoiceID: try LedgerController.id(req))
    }

    @Sendable func sendInvoice(req: Request) async throws -> Response {
        let p = try req.principal
        let input = (try? req.content.decode(RemindInput.self)) ?? RemindInput()
        let sharing = InvoiceSharing(messaging: try Self.service(req), userID: p.userID)
        let (session, message) = try await sharing.send(invoiceID: try LedgerController.id(req), channelID: input.channelId)
        return try await SimulateReply(sessionId: session.id!, message: MessageDTO(message)).encodeResponse(status: .accepted, for: req)
    }

    struct StatementSendInput: Content {
        var channelId: UUID?
        var from: String?
        var to: String?
    }

    @Sendable func sendStatement(req: Request) async throws -> Response {
        let p = try req.principal
        let input = (try? req.content.decode(StatementSendInput.self)) ?? StatementSendInput()
        var errors = FieldErrors()
        let from = input.from.flatMap { errors.check("from", Validate.date($0)) }
        let to = input.to.flatMap { errors.check("to", Validate.date($0)) }
        try errors.throwIfAny()
        let sharing = StatementSharing(messaging: try Self.service(req), userID: p.userID)
        let (session, message) = try await sharing.send(customerID: try LedgerController.id(req), channelID: input.channelId, from: from, to: to)
        return try await SimulateReply(sessionId: session.id!, message: MessageDTO(message)).encodeResponse(status: .accepted, for: req)
    }

    @Sendable func sendReceipt(req: Request) async throws -> Response {
        let p = try req.principal
        let input = (try? req.content.decode(RemindInput.self)) ?? RemindInput()
        let receipts = PaymentReceipts(messaging: try Self.service(req), userID: p.userID)
        let (session, message) = try await receipts.send(paymentID: try LedgerController.id(req), channelID: input.channelId)
        return try await SimulateReply(sessionId: session.id!, message: MessageDTO(message)).encodeResponse(status: .accepted, for: req)
    }

    @Sendable func remindAllPreview(req: Request) async throws -> Reminders.BulkPreview {
        let p = try req.principal
        return try await Reminders(messaging: try Self.service(req), userID: p.userID).bulkPreview()
    }

    @Sendable func remindAll(req: Request) async throws -> Response {
        let p = try req.principal
        let result = try await Reminders(messaging: try Self.service(req), userID: p.userID).sendAll()
        return try await result.encodeResponse(status: .accepted, for: req)
    }

    @Sendable func remind(req: Request) async throws -> Response {
        let p = try req.principal
        let input = (try? req.content.decode(RemindInput.self)) ?? RemindInput()
        let reminders = Reminders(messaging: try Self.service(req), userID: p.userID)
        let (session, message) = try await reminders.send(customerID: try LedgerController.id(req), channelID: input.channelId)
        return try await SimulateReply(sessionId: session.id!, message: MessageDTO(message)).encodeResponse(status: .accepted, for: req)
    }

    // MARK: WhatsApp templates (issue 18 §3)

    static func templates(_ req: Request) throws -> WhatsAppTemplates {
        WhatsAppTemplates(messaging: try service(req))
    }

    @Sendable func listTemplates(req: Request) async throws -> Page<WhatsAppTemplateDTO> {
        Page(items: try await Self.templates(req).list().map(WhatsAppTemplateDTO.init), nextCursor: nil)
    }

    @Sendable func createTemplate(req: Request) async throws -> Response {
        try req.principal.requireOwner("register WhatsApp templates")
        let input = try req.content.decode(WhatsAppTemplates.Input.self)
        let t = try await Self.templates(req).create(input)
        return try await WhatsAppTemplateDTO(t).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateTemplate(req: Request) async throws -> WhatsAppTemplateDTO {
        try req.principal.requireOwner("change WhatsApp templates")
        let input = try req.content.decode(WhatsAppTemplates.Input.self)
        return WhatsAppTemplateDTO(try await Self.templates(req).update(try LedgerController.id(req), input))
    }

    @Sendable func deleteTemplate(req: Request) async throws -> HTTPStatus {
        try req.principal.requireOwner("remove WhatsApp templates")
        try await Self.templates(req).delete(try LedgerController.id(req))
        return .noContent
    }

    @Sendable func twilioTemplates(req: Request) async throws -> Page<TwilioTemplateDTO> {
        try req.principal.requireOwner("read the Twilio account's templates")
        return Page(items: try await Self.templates(req).fromTwilio().map(TwilioTemplateDTO.init), nextCursor: nil)
    }

    @Sendable func templatePurposes(req: Request) async throws -> Page<TemplatePurposeDTO> {
        _ = try req.principal
        return Page(items: TemplatePurpose.allCases.map(TemplatePurposeDTO.init), nextCursor: nil)
    }

    // MARK: quick replies (issue 18 §5)

    static func quickReplies(_ req: Request) throws -> QuickReplies { QuickReplies(messaging: try service(req)) }

    @Sendable func listQuickReplies(req: Request) async throws -> Page<QuickReplyDTO> {
        Page(items: try await Self.quickReplies(req).list(), nextCursor: nil)
    }

    @Sendable func createQuickReply(req: Request) async throws -> Response {
        let input = try req.content.decode(QuickReplies.Input.self)
        let service = try Self.quickReplies(req)
        let r = try await service.create(input)
        return try await service.dto(r).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateQuickReply(req: Request) async throws -> QuickReplyDTO {
        let input = try req.content.decode(QuickReplies.Input.self)
        let service = try Self.quickReplies(req)
        let r = try await service.update(try LedgerController.id(req), input)
        return try await service.dto(r)
    }

    @Sendable func deleteQuickReply(req: Request) async throws -> HTTPStatus {
        try await Self.quickReplies(req).delete(try LedgerController.id(req))
        return .noContent
    }

    // MARK: broadcasts (issue 18 §5)

    static func broadcasts(_ req: Request) throws -> Broadcasts {
        Broadcasts(messaging: try service(req), userID: try req.principal.userID)
    }

    @Sendable func listBroadcasts(req: Request) async throws -> Page<Broadcasts.DTO> {
        Page(items: try await Self.broadcasts(req).list(), nextCursor: nil)
    }

    @Sendable func previewBroadcast(req: Request) async throws -> Broadcasts.Preview {
        try await Self.broadcasts(req).preview(try req.content.decode(Broadcasts.Input.self))
    }

    @Sendable func createBroadcast(req: Request) async throws -> Response {
        try req.principal.requireOwner("send broadcasts")
        let input = try req.content.decode(Broadcasts.Input.self)
        return try await Self.broadcasts(req).create(input).encodeResponse(status: .created, for: req)
    }

    @Sendable func getBroadcast(req: Request) async throws -> Broadcasts.DTO {
        try await Self.broadcasts(req).one(try LedgerController.id(req))
    }
}
