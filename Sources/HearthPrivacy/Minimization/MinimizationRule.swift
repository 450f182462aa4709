/// One step of a flow's `minimize` list: what the hub takes out of, or blurs in, each payload
/// before anyone receives it. Rules apply in the order declared.
///
/// Paths are dotted member names into nested objects (`meter.serial`); they do not descend into
/// arrays, and a member whose name contains a dot cannot be named. A value a rule names but that is
/// absent, or not of the type the rule works on, is left alone (`round`, `coarsen`): types are the
/// schema's business, and it has already been checked.
public enum MinimizationRule: Sendable, Hashable {
    /// `{"keep": ["watts", "at"]}`: only these paths (and what is inside them) survive; their
    /// ancestors survive as objects holding only them.
    case keep([String])
    /// `{"drop": ["serial"]}`.
    case drop([String])
    /// `{"round": {"path": "watts", "to": 0.5}}`: a number to the nearest multiple of `to` (halves
    /// away from zero), written with no more decimals than `to` has.
    case round(path: String, to: Double)
    /// `{"coarsen": {"path": "at", "period": "15m"}}`: a timestamp floored to a multiple of the period
    /// since the Unix epoch. A number is Unix seconds (and stays a number); a string is RFC 3339 and
    /// is written back as RFC 3339 UTC with `Z`, in whole seconds.
    case coarsen(path: String, period: Duration)
    /// `{"redact": {"paths": […], "patterns": […], "builtin": […]}}`: drops the paths, and every
    /// member (at any depth) or array element whose string value contains a match of a pattern
    /// (searched, like a schema's `pattern`) or of a built-in detector.
    case redact(paths: [String], patterns: [String], builtin: [RedactionDetector])
    /// `{"aggregate": {"window": "15m", "fields": {"watts": "mean"}}}`, only as the last rule:
    /// payloads are absorbed into windows aligned to multiples of `window` since the Unix epoch,
    /// and one object is sent per window (see `AggregationWindow`).
    case aggregate(window: Duration, fields: [AggregateField])
}

/// The built-in redaction detectors: byte scanners, not regular expressions, since they run on
/// every string of every payload.
public enum RedactionDetector: String, Sendable, Hashable, CaseIterable {
    /// `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` (one separator throughout) or `aabb.ccdd.eeff`,
    /// hexadecimal in either case, not part of a longer run (no hex digit or the same separator
    /// right before or after).
    case macAddress = "mac-address"
    /// `local@domain.tld`: a local part of letters, digits and `._%+-`, a domain of at least two
    /// dot-separated labels of letters, digits and `-`, the last one at least two letters.
    case email
    /// Four dot-separated decimal numbers of 0…255 (one to three digits each), not part of a
    /// longer dotted run of digits (so a version like `1.2.3.4.5` is not one).
    case ipv4
}

/// A field of an aggregate and what is computed from it over a window.
public struct AggregateField: Sendable, Hashable {
    /// Dotted path into the (minimized) payload; also the member name in the emitted object.
    public let path: String
    public let function: AggregateFunction

    public init(path: String, function: AggregateFunction) {
        self.path = path
        self.function = function
    }
}

/// How a field's values over one window become one value.
public enum AggregateFunction: String, Sendable, Hashable, CaseIterable {
    /// Of the numbers seen; omitted when there were none.
    case mean, min, max
    /// Of the numbers seen; 0 when there were none.
    case sum
    /// The last value seen, of any type; omitted when there was none.
    case last
    /// How many payloads had the field, whatever its type.
    case count
}
