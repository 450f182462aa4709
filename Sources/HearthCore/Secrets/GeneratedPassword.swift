/// A password the hub makes for a person (the first owner at init, a reset): 24 characters from
/// an alphabet without look-alikes (no 0/O, 1/l/I), about 137 bits, grouped for reading aloud.
public enum GeneratedPassword {
    static let alphabet = Array("abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3456789")

    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var groups: [String] = []
        for _ in 0..<4 {
            var group = ""
            for _ in 0..<6 { group.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
            groups.append(group)
        }
        return groups.joined(separator: "-")
    }
}
