import Vapor

/// Registration from the route table (issue 15 §1): `routes.on(.customer, use: getCustomer)`.
extension Endpoint {
    var pathComponents: [PathComponent] {
        Self.segments(pattern).map { segment in
            Self.placeholder(segment).map { PathComponent.parameter($0) } ?? .constant(segment)
        }
    }

    var httpMethod: HTTPMethod { HTTPMethod(rawValue: method) }
}

extension RoutesBuilder {
    @discardableResult
    func on<Response: AsyncResponseEncodable>(
        _ endpoint: Endpoint, body: HTTPBodyStreamStrategy = .collect,
        use closure: @escaping @Sendable (Request) async throws -> Response
    ) -> Route {
        on(endpoint.httpMethod, endpoint.pathComponents, body: body, use: closure)
    }
}
