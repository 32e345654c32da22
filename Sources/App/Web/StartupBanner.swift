import NIOCore
import Vapor

/// Prints the URL to open (issue 2 §1). Called by the entrypoint after `startup()` has started the
/// server, from the same task, so the shared server is never touched concurrently with its creation.
public enum StartupBanner {
    public static func print(_ app: Application) {
        guard let address = app.http.server.shared.localAddress, let port = address.port else { return }
        let ip = address.ipAddress ?? "127.0.0.1"
        let host = (ip == "0.0.0.0" || ip == "::") ? "127.0.0.1" : ip
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
        FileHandle.standardOutput.write(Data("Munim is running. Open \(url) in your browser (API docs: \(url)docs).\n".utf8))
    }
}
