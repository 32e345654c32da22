import Fluent
import Foundation
import Vapor

/// Sign-in codes on WhatsApp (issue 19 §1): "Forgot password" sends a one-time code to a member's
/// own WhatsApp number through the business's WhatsApp channel. The code goes straight to Twilio
/// from the recovery job and is never written to the inbox: staff who read the inbox must not see
/// the owner's code.
extension MessagingService {
    /// Whether any business on this server has a WhatsApp channel (what the login page offers).
    static func whatsappConnectedAnywhere(_ db: any Database) async throws -> Bool {
        try await Channel.query(on: db).filter(\.$kind == .twilioWhatsapp).filter(\.$deletedAt == nil)
            .filter(\.$enabled == true).first() != nil
    }

    /// Whether the business can send a code on WhatsApp now.
    func canSendSignInCode() async throws -> Bool { try await whatsappChannel() != nil }

    /// Sends `code` to `number`. Outside WhatsApp's 24-hour window it goes as the business's
    /// approved "sign-in code" template (an Authentication template); without one it goes as text,
    /// which WhatsApp delivers only while the window is open (the owner's own chats with the
    /// assistant open it). Throws `ChannelFailure` as the outbox does.
    func sendSignInCode(_ code: String, to number: String, business: Business, minutes: Int) async throws {
        guard let channel = try await whatsappChannel() else {
            throw ChannelFailure(retryable: false, code: nil, message: "The business has no WhatsApp channel any more.")
        }
        let hindi = business.preferredLanguage.lowercased().hasPrefix("hi")
        let templates = try await WhatsAppTemplate.query(on: db).filter(\.$businessID == businessID)
            .filter(\.$purpose == TemplatePurpose.signInCode.rawValue).all()
        let item = OutboxItem()
        item.businessID = businessID
        item.channelID = channel.id!
        item.recipient = number
        item.body = hindi
            ? "\(code) आपका Munim साइन-इन कोड है (\(business.name))। यह \(minutes) मिनट में खत्म हो जाएगा। यह कोड किसी को न बताएँ।"
            : "\(code) is your Munim sign-in code for \(business.name). It expires in \(minutes) minutes. Do not share it with anyone."
        item.idempotencyKey = "signin-\(UUID().uuidString.lowercased())"
        if case .template(let sid, let variables, _) = WhatsAppWindow.plan(
            lastInbound: nil, now: now, purpose: .signInCode, values: ["code": code, "business_name": business.name],
            templates: templates, preferredLanguage: business.preferredLanguage) {
            item.contentSID = sid
            item.contentVariables = variables
        }
        _ = try await ChannelAdapters.send(app, channel: channel, item: item)
    }
}
