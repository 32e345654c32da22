import Fluent
import Foundation

extension MessagingService {
    /// The latest message a customer sent (not the owner's own thread), shaped as the
    /// `message/received` workflow trigger delivers it: a workflow's test data (issue 19 §4).
    func latestCustomerMessagePayload() async throws -> JSONValue? {
        let sessions = try await InboxSession.query(on: db).filter(\.$businessID == businessID).filter(\.$isOwner == false).all()
        guard !sessions.isEmpty,
              let m = try await Message.query(on: db).filter(\.$businessID == businessID).filter(\.$direction == .inbound)
                .filter(\.$sessionID ~~ sessions.compactMap(\.id)).sort(\.$createdAt, .descending).first(),
              let session = sessions.first(where: { $0.id == m.sessionID }),
              let contact = try await Contact.find(session.contactID, on: db),
              let channel = try await Channel.find(m.channelID, on: db) else { return nil }
        return [
            "channel": .string(channel.id!.uuidString), "channel_type": .string(channel.kind.platform),
            "from": .string(contact.handle), "text": .string(m.spokenText), "message_id": .string(m.providerID ?? m.id!.uuidString),
            "session_id": .string(session.id!.uuidString),
            "contact": ["id": .string(contact.id!.uuidString), "name": contact.name.map(JSONValue.string) ?? .null,
                        "handle": .string(contact.handle), "customer_id": contact.customerID.map { .string($0.uuidString) } ?? .null],
        ]
    }
}
