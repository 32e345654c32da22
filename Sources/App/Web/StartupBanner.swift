import NIOCore
import Vapor

/// Prints the URL to open once the server listens (issue 2 §1). Vapor binds after boot, so this
/// watches for the bound address for a bounded time (at most 20 s) and then prints it once.
public struct StartupBanner: LifecycleHandler {
    public init() {}

    public func didBootAsync(_ app: Application) async throws {
        Task {
            for _ in 0..<200 {
                if let address = app.http.server.shared.localAddress, let port = address.port {
                    let ip = address.ipAddress ?? "127.0.0.1"
                    let host = (ip == "0.0.0.0" || ip == "::") ? "127.0.0.1" : ip
                    let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
                    FileHandle.standardOutput.write(Data("Munim is running. Open \(url) in your browser (API docs: \(url)docs).\n".utf8))
                    return
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
