import HearthCore

/// The hub's gates for the work a storm brings (docs/simulator.md): certificate renewals and token
/// requests, each admitted up to ``HubConfiguration/inFlightLimit`` at once and shed past it with
/// 503 and `Retry-After`. One pair per hub process, shared by every adapter that starts that work.
public struct LoadShedding: Sendable {
    public let renewals: LoadGate
    public let tokens: LoadGate

    public init(limit: Int) {
        renewals = LoadGate(limit: limit, what: "certificate renewals")
        tokens = LoadGate(limit: limit, what: "token requests")
    }
}
