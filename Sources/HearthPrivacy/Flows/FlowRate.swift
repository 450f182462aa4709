/// How often a flow's messages may come, as its declaration states it: `"rate": "<count>/<period>"`,
/// the period a unit (`s`, `m`, `h`, `d`) or a duration (`10s`, `15m`): `1/s`, `12/m`, `4/15m`.
/// A device that sends faster is storming (docs/detection.md): detection limits the flow to this.
public struct FlowRate: Sendable, Hashable, CustomStringConvertible {
    public let count: Int
    public let periodSeconds: Int64
    /// As the declaration wrote it.
    public let text: String

    public static let rule = "a count and a period, such as 1/s, 12/m or 4/15m (1 to 100000 messages per 1 s to 1 d)"

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].first != "0", parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
              let count = Int(parts[0]), (1...100_000).contains(count)
        else { return nil }
        let period = String(parts[1])
        guard let seconds = ["s", "m", "h", "d"].contains(period) ? DurationText.seconds("1" + period) : DurationText.seconds(period),
              (1...86_400).contains(seconds)
        else { return nil }
        self.count = count
        periodSeconds = seconds
        self.text = text
    }

    /// Messages per second.
    public var perSecond: Double { Double(count) / Double(periodSeconds) }

    public var description: String { text }
}
