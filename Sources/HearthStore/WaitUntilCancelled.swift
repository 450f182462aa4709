/// Suspends until the current task is cancelled — the body of an engine's `run()`, which has
/// nothing to do but hold its connections open until its owner lets go.
public func waitUntilCancelled() async {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    await withTaskCancellationHandler {
        for await _ in stream {}
    } onCancel: {
        continuation.finish()
    }
}
