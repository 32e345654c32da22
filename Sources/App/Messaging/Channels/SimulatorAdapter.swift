import Foundation
import Vapor

/// The simulator is its own provider: what the owner types on the Inbox's simulator arrives as
/// an inbound message, and replies are delivered at once.
struct SimulatorAdapter: ChannelAdapter {
    static let kind = ChannelKind.simulator
    let app: Application

    init(app: Application, channel: Channel, credentials: ChannelCredentials) {
        self.app = app
    }

    var guardKey: String? { nil }
    var providerName: String { "The simulator" }

    func verify() async throws -> ChannelVerification { .connected(identity: nil) }

    func send(_ item: OutboxItem) async throws -> ChannelSendResult {
        ChannelSendResult(providerID: "sim-\(item.id!.uuidString.lowercased())", status: .delivered)
    }

    /// Simulated messages carry no media; nothing is fetched on their behalf.
    func fetchMedia(url: String, maxBytes: Int) async throws -> ChannelMedia {
        throw ChannelFailure(retryable: false, code: nil, message: "simulated messages have no media to fetch")
    }

    func failure(_ error: any Error) -> ChannelFailure {
        (error as? ChannelFailure) ?? ChannelFailure(retryable: false, code: nil, message: String(describing: error))
    }
}
