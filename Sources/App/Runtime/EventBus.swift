import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A business event for `GET /api/v1/events` (DESIGN §4): `{type, id, at, data}`.
public struct BusinessEvent: Codable, Sendable {
    public let type: String
    public let id: UUID
    public let at: Date
    public let data: JSONValue
}

/// Fans events out to the SSE streams of this process and, on PostgreSQL, through `ClusterLink`
/// (LISTEN/NOTIFY) to the streams of every other `serve` process, so a browser connected to any
/// instance sees what a worker elsewhere did.
public final class EventBus: Sendable {
    private struct Subscriber {
        let businessID: UUID
        let continuation: AsyncStream<BusinessEvent>.Continuation
    }

    private let subscribers = NIOLockedValueBox<[UUID: Subscriber]>([:])
    private let forward = NIOLockedValueBox<(@Sendable (UUID, BusinessEvent) -> Void)?>(nil)

    public init() {}

    func subscribe(businessID: UUID) -> (UUID, AsyncStream<BusinessEvent>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<BusinessEvent>.makeStream(bufferingPolicy: .bufferingNewest(200))
        subscribers.withLockedValue { $0[id] = Subscriber(businessID: businessID, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return (id, stream)
    }

    /// Installs the cross-process forwarder (`configure` does, on PostgreSQL).
    func setForward(_ f: (@Sendable (UUID, BusinessEvent) -> Void)?) { forward.withLockedValue { $0 = f } }

    func publish(_ businessID: UUID, _ event: BusinessEvent) {
        deliverLocal(businessID, event)
        forward.withLockedValue { $0 }?(businessID, event)
    }

    /// Hands an event to this process's streams only (events arriving from other processes).
    func deliverLocal(_ businessID: UUID, _ event: BusinessEvent) {
        let targets = subscribers.withLockedValue { $0.values.filter { $0.businessID == businessID } }
        for t in targets { t.continuation.yield(event) }
    }

    var count: Int { subscribers.withLockedValue { $0.count } }

    /// Lets publishers skip building an event nobody is listening to (with a forwarder, listeners
    /// may be in another process, so the answer is yes).
    func hasSubscribers(_ businessID: UUID) -> Bool {
        if forward.withLockedValue({ $0 != nil }) { return true }
        return subscribers.withLockedValue { $0.values.contains { $0.businessID == businessID } }
    }

    public func finishAll() {
        let all = subscribers.withLockedValue { s -> [Subscriber] in
            let v = Array(s.values)
            s.removeAll()
            return v
        }
        for s in all { s.continuation.finish() }
    }
}

extension Application {
    private struct EventBusKey: StorageKey { typealias Value = EventBus }

    public var events: EventBus {
        if let bus = storage[EventBusKey.self] { return bus }
        let bus = EventBus()
        storage[EventBusKey.self] = bus
        return bus
    }
}

extension Request {
    /// Publishes to the caller's business after a successful change.
    func publish(_ type: String, id: UUID, data: JSONValue = [:]) {
        guard let p = try? principal else { return }
        application.events.publish(p.businessID, BusinessEvent(type: type, id: id, at: now, data: data))
    }
}

/// `GET /api/v1/events`: Server-Sent Events of the caller's business, with a heartbeat comment
/// every 15 s so dead connections are noticed and proxies keep the stream open.
struct EventsController {
    func register(_ api: any RoutesBuilder) {
        api.on(.events, use: stream)
    }

    @Sendable func stream(req: Request) async throws -> Response {
        let p = try req.principal
        let bus = req.application.events
        let (_, events) = bus.subscribe(businessID: p.businessID)
        let encoder = JSONCoders.encoder
        let response = Response(status: .ok, body: .init(asyncStream: { writer in
            // The writer must always be ended (.end or .error), also when the client has gone.
            do {
                try await writer.write(.buffer(ByteBuffer(string: "retry: 5000\n: connected\n\n")))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let (beats, beat) = AsyncStream<Void>.makeStream()
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            beat.yield()
                        }
                    }
                    group.addTask {
                        for await _ in beats { try await writer.write(.buffer(ByteBuffer(string: ": heartbeat\n\n"))) }
                    }
                    group.addTask {
                        for await event in events {
                            let json = String(decoding: try encoder.encode(event), as: UTF8.self)
                            try await writer.write(.buffer(ByteBuffer(string: "event: \(event.type)\nid: \(event.id)\ndata: \(json)\n\n")))
                        }
                    }
                    // The first task to end (a write failing because the client left, or the bus
                    // finishing at shutdown) ends the stream.
                    defer { beat.finish(); group.cancelAll() }
                    _ = try await group.next()
                }
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        }))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "event-stream")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        response.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        return response
    }
}
