import Foundation
import Synchronization

/// HTTPS requests made by the real `curl` binary, trusting only the hub's certificate — a client
/// nobody here wrote, checking the hub's TLS the way a user's tools would.
public struct CurlClient: Sendable {
    public let baseURL: String
    public let caCertificatePath: String

    public init(baseURL: String, caCertificatePath: String) {
        self.baseURL = baseURL
        self.caCertificatePath = caCertificatePath
    }

    public struct Response: Sendable {
        public let status: Int
        /// Header names lower-cased.
        public let headers: [String: String]
        public let body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw CurlError(message: "response body is not a JSON object: \(text)")
            }
            return object
        }
    }

    public struct CurlError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> Response {
        let scratch = try TemporaryFolder.make(prefix: "curl")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let headerFile = scratch.appendingPathComponent("headers")
        let bodyFile = scratch.appendingPathComponent("body")
        // A bound that fails a hung request, not a slow one: under the whole suite on two cores a
        // request that makes keys and writes the audit log (a household's creation) has taken over
        // 30 s, its sign-ins 2–4 s each, where alone it takes well under one.
        var arguments = [
            "-sS", "--cacert", caCertificatePath, "-X", method, "-D", headerFile.path, "-o", bodyFile.path,
            "--max-time", "120",
        ]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let body {
            let requestFile = scratch.appendingPathComponent("request")
            try body.write(to: requestFile)
            arguments += ["--data-binary", "@" + requestFile.path]
        }
        arguments.append(baseURL + path)
        let result = try await ProcessRunner.run("/usr/bin/curl", arguments)
        guard result.status == 0 else {
            throw CurlError(message: "curl exited \(result.status): \(result.standardError)")
        }
        let headerText = try String(contentsOf: headerFile, encoding: .utf8)
        var lines = headerText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { throw CurlError(message: "no HTTP status line in \(headerText)") }
        lines.removeFirst()
        var parsed: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let data = (try? Data(contentsOf: bodyFile)) ?? Data()
        return Response(status: status, headers: parsed, body: data)
    }

    public func json(
        _ method: String, _ path: String, _ object: [String: Any], headers: [String: String] = [:]
    ) async throws -> Response {
        var headers = headers
        headers["Content-Type"] = "application/json"
        return try await request(method, path, headers: headers, body: try JSONSerialization.data(withJSONObject: object))
    }
}

/// Runs a program to completion and collects its output.
public enum ProcessRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
    }

    /// Blocking waits (pipe reads, `waitUntilExit`) happen on threads of their own. Not on
    /// Dispatch: on Linux, Dispatch's global queue is also the pool that runs Swift concurrency's
    /// jobs, so a few dozen blocked reads there starve the very hubs the child processes talk to.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                let child: ChildProcess
                do {
                    child = try ChildProcess.start(
                        executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let errorData = Mutex(Data())
                let errorRead = DispatchSemaphore(value: 0)
                Thread {
                    let data = PipeReading.readToEnd(child.standardError)
                    errorData.withLock { $0 = data }
                    errorRead.signal()
                }.start()
                let outData = PipeReading.readToEnd(child.standardOutput)
                errorRead.wait()
                let status = child.waitForExit()
                continuation.resume(returning: Result(
                    status: status, standardOutput: String(decoding: outData, as: UTF8.self),
                    standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self)))
            }.start()
        }
    }
}
