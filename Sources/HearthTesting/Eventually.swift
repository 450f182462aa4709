import Testing

/// Waits until `check` holds, asking it every `interval`; fails the test (and throws) with
/// `what` when it still does not hold after `timeout`.
public func eventually(
    _ what: String, within timeout: Duration = .seconds(15), every interval: Duration = .milliseconds(100),
    sourceLocation: SourceLocation = #_sourceLocation, _ check: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await check() { return }
        try await Task.sleep(for: interval)
    }
    try #require(try await check(), "not within \(timeout): \(what)", sourceLocation: sourceLocation)
}
