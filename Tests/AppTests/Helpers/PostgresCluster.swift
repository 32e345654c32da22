import Foundation
import Testing

/// A throwaway PostgreSQL cluster for the test process: `initdb` into a temp directory, `pg_ctl
/// start` on a free loopback port, one fresh database per test, stopped when the process exits.
/// When the server binaries are missing, the PostgreSQL suites report themselves skipped.
actor PostgresCluster {
    static let shared = PostgresCluster()

    /// Where initdb/pg_ctl live: $MUNIM_PG_BIN, else the newest /usr/lib/postgresql/*/bin.
    static let binDirectory: String? = {
        let fm = FileManager.default
        if let dir = ProcessInfo.processInfo.environment["MUNIM_PG_BIN"], fm.fileExists(atPath: dir + "/initdb") { return dir }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        for v in versions where fm.fileExists(atPath: "\(root)/\(v)/bin/initdb") && fm.fileExists(atPath: "\(root)/\(v)/bin/pg_ctl") {
            return "\(root)/\(v)/bin"
        }
        return nil
    }()

    static var available: Bool { binDirectory != nil }
    static let skipReason: Comment = "PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package or set MUNIM_PG_BIN"

    private var port: Int?
    private var counter = 0

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Returns a postgres:// URL of a new, empty database.
    func createDatabase() async throws -> String {
        let port = try await start()
        counter += 1
        let name = "munim_test_\(ProcessInfo.processInfo.processIdentifier)_\(counter)"
        try await Self.run(Self.binDirectory! + "/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "munim", name])
        return "postgres://munim:munim@127.0.0.1:\(port)/\(name)?tlsmode=disable"
    }

    /// The one start of the cluster, shared by every caller. An actor method that awaits lets other
    /// calls in meanwhile: checking `port` alone let every test that arrived during `initdb` start a
    /// cluster of its own (77 per run, all but one left running after the process).
    private var starting: Task<Int, any Error>?

    private func start() async throws -> Int {
        if let port { return port }
        if let starting { return try await starting.value }
        let task = Task { try await self.startCluster() }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil
            throw error
        }
    }

    private func startCluster() async throws -> Int {
        guard let bin = Self.binDirectory else { throw Failure(description: "PostgreSQL binaries not found") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("munim-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pwfile = dir + "/pw"
        try "munim\n".write(toFile: pwfile, atomically: true, encoding: .utf8)
        let data = dir + "/data"
        // initdb refuses to run as root: run the server as the `postgres` system user then.
        let asRoot = getuid() == 0
        if asRoot { try await Self.run("/bin/chown", ["-R", "postgres:postgres", dir]) }
        func pg(_ tool: String, _ args: [String]) async throws {
            if asRoot {
                try await Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/" + tool] + args)
            } else {
                try await Self.run(bin + "/" + tool, args)
            }
        }
        try await pg("initdb", ["-D", data, "-U", "munim", "--pwfile=\(pwfile)", "-A", "md5", "--no-sync", "-E", "UTF8", "--locale=C"])
        let port = try Self.freePort()
        // Every PostgreSQL test of the process shares this cluster, dozens at once, each app with
        // its own pool: 300 connections ran out ("too many clients already").
        try await pg("pg_ctl", ["-D", data, "-l", dir + "/server.log", "-w", "-t", "60", "-o",
                          "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000",
                          "start"])
        setenv("PGPASSWORD", "munim", 1)
        Self.registerStop(bin: bin, data: data, asRoot: asRoot, dir: dir)
        self.port = port
        return port
    }

    nonisolated(unsafe) private static var stopCommand: [String] = []
    nonisolated(unsafe) private static var clusterDirectory = ""

    private static func registerStop(bin: String, data: String, asRoot: Bool, dir: String) {
        let ctl = [bin + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]
        stopCommand = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + ctl : ctl
        clusterDirectory = dir
        atexit {
            let cmd = PostgresCluster.stopCommand
            guard !cmd.isEmpty else { return }
            try? PostgresCluster.runBlocking(cmd[0], Array(cmd.dropFirst()))
            try? FileManager.default.removeItem(atPath: PostgresCluster.clusterDirectory)
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs a program to completion on a thread of its own and returns its output (stdout and
    /// stderr). Never on the concurrency pool: that pool has one thread per core (two in CI), and a
    /// test blocked in waitpid there (initdb, a Python spec check) starved every other test's
    /// tasks, e.g. a job worker for 14 s.
    @discardableResult
    static func run(_ path: String, _ args: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<String, any Error>) in
            let thread = Thread {
                do { done.resume(returning: try runBlocking(path, args)) } catch { done.resume(throwing: error) }
            }
            thread.start()
        }
    }

    /// Runs a program to completion with posix_spawn + waitpid, blocking the calling thread.
    /// (Foundation's Process does not reliably notice the exit of `pg_ctl start`, whose child
    /// server outlives it.)
    @discardableResult
    static func runBlocking(_ path: String, _ args: [String]) throws -> String {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("munim-run-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = "munim"
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw Failure(description: "could not start \(path): error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "\((path as NSString).lastPathComponent) failed (status \(status)): \(text.suffix(800))")
        }
        return text
    }
}
