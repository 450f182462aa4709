import HearthHub
import Hummingbird

/// The routes the router knows, by method and path pattern, so a request for a known path with
/// another method gets 405 and an `Allow` header instead of 404 (the router does not tell them
/// apart).
struct RouteTable: Sendable {
    private var entries: [(method: HTTPRequest.Method, segments: [Substring])] = []

    mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        entries.append((method, path.split(separator: "/")))
    }

    func methods(matching path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/")
        var methods: Set<HTTPRequest.Method> = []
        for entry in entries where entry.segments.count == segments.count {
            let matches = zip(entry.segments, segments).allSatisfy { pattern, actual in
                pattern.hasPrefix(":") || pattern == actual
            }
            if matches { methods.insert(entry.method) }
        }
        return methods
    }
}
