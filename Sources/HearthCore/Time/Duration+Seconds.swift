import Foundation

extension Duration {
    /// The duration in seconds, with its fraction.
    public var seconds: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
