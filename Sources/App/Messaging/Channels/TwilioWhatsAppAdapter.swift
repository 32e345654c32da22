import Foundation
import Vapor

/// WhatsApp through Twilio's Messages API. Inbound messages arrive on the webhook
/// (`TwilioWebhooks`); this adapter sends, checks the account, and fetches inbound media.
struct TwilioWhatsAppAdapter: ChannelAdapter {
    static let kind = ChannelKind.twilioWhatsapp
    let app: Application
    let channel: Channel
    let credentials: ChannelCredentials
    let client: TwilioClient

    init(app: Application, channel: Channel, credentials: ChannelCredentials) {
        self.app = app
        self.channel = channel
        self.credentials = credentials
        self.client = app.providers.twilio(accountSID: credentials.accountSid ?? "", authToken: credentials.authToken ?? "")
    }

    var guardKey: String? { ChannelAdapters.twilioProvider(app) }
    var providerName: String { "Twilio" }

    func verify() async throws -> ChannelVerification {
        let account = try await client.fetchAccount()
        if let s = account.status, s != "active" { return .unusable("The Twilio account is \(s).") }
        return .connected(identity: nil)
    }

    func send(_ item: OutboxItem) async throws -> ChannelSendResult {
        let from = credentials.fromNumber.map(Self.whatsappAddress)
        let r = try await client.sendMessage(from: credentials.messagingServiceSid == nil ? from : nil,
                                             messagingServiceSID: credentials.messagingServiceSid, to: Self.whatsappAddress(item.recipient),
                                             body: item.body, mediaURL: item.mediaURL,
                                             contentSID: item.contentSID, contentVariables: item.contentVariables,
                                             statusCallback: Endpoint.twilioStatus.url(base: app.publicBaseURL, channel.id!))
        return ChannelSendResult(providerID: r.sid, status: r.status == "sent" ? .sent : .queued)
    }

    /// Twilio's media URLs may need the account's Basic credentials; the client sends them only
    /// to Twilio's own API host.
    func fetchMedia(url: String, maxBytes: Int) async throws -> ChannelMedia {
        let (data, type) = try await client.fetchMedia(url: url, maxBytes: maxBytes)
        return ChannelMedia(data: data, contentType: type ?? "application/octet-stream")
    }

    /// The account's Content templates with their WhatsApp approval status.
    func contentTemplates() async throws -> [TwilioClient.ContentTemplate] {
        try await client.listContentAndApprovals(contentURL: app.munimConfig.twilioContentURL)
    }

    func failure(_ error: any Error) -> ChannelFailure {
        switch error {
        case let e as ProviderError:
            // 63016: free text outside the 24-hour window; say what to do about it.
            return ChannelFailure(retryable: e.retryable, code: e.code?.text,
                                  message: e.code == 63016 ? WhatsAppWindow.twilioRefusal : e.message,
                                  authFailed: e.httpStatus == 401 || e.code == "20003")
        case let e as ChannelFailure:
            return e
        default:
            return ChannelFailure(retryable: true, code: nil, message: "could not reach Twilio (\(type(of: error)))")
        }
    }

    func credentialsRejected(_ failure: ChannelFailure) -> String {
        "Twilio rejected the credentials (\(failure.code ?? "401")). Check the account SID and auth token."
    }

    func providerSaid(_ failure: ChannelFailure) -> String { "Twilio said: \(failure.message)" }

    static func whatsappAddress(_ number: String) -> String {
        number.lowercased().hasPrefix("whatsapp:") ? number : "whatsapp:\(number)"
    }
}
