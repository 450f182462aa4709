import Foundation

/// This hub's release, which a firmware release may require at least (`min_hub_version`).
public enum HubVersion {
    public static let current = "0.23.0"

    /// Compares dotted version numbers part by part as integers (`0.10.0` is above `0.9.2`);
    /// nil when either is not of that form.
    public static func compare(_ a: String, _ b: String) -> ComparisonResult? {
        func parts(_ text: String) -> [Int]? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
            return parts.map { $0! }
        }
        guard let left = parts(a), let right = parts(b) else { return nil }
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? left[index] : 0, r = index < right.count ? right[index] : 0
            if l != r { return l < r ? .orderedAscending : .orderedDescending }
        }
        return .orderedSame
    }
}
