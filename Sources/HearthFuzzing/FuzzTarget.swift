/// One parser a stranger's bytes reach, and the checks that must hold for any input.
///
/// `run` must return for every input: a refusal is fine, a crash, a hang or a broken invariant
/// (``FuzzInvariant``) is a finding. It returns whether the input was accepted all the way, so
/// a test can tell that the seeds reach past the first checks. The same function serves libFuzzer (`scripts/fuzz`) and the
/// replay of the committed corpus and regressions in the normal test suite.
public struct FuzzTarget: Sendable {
    public let name: String
    public let summary: String
    public let run: @Sendable ([UInt8]) -> Bool

    public init(name: String, summary: String, run: @escaping @Sendable ([UInt8]) -> Bool) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

public enum FuzzTargets {
    public static let all: [FuzzTarget] = [
        MQTTFuzzTarget.target,
        CSRFuzzTarget.target,
        OCSPFuzzTarget.target,
        JWSFuzzTargets.dpop,
        JWSFuzzTargets.clientAssertion,
        JWSFuzzTargets.accessToken,
        OAuthFormFuzzTarget.target,
        JSONBodiesFuzzTarget.target,
        TelemetryFuzzTarget.target,
        PairingFuzzTarget.target,
        WitnessFuzzTarget.target,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// A property every input must keep; its failure stops the fuzzer like a crash does, and names
/// what broke.
enum FuzzInvariant {
    static func check(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        if !condition { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
    }
}

/// The first byte of an input chooses among variants; the rest is the variant's input.
struct FuzzInput {
    let selector: Int
    let rest: [UInt8]

    init(_ bytes: [UInt8]) {
        selector = Int(bytes.first ?? 0)
        rest = Array(bytes.dropFirst())
    }

    func pick<Element>(_ choices: [Element]) -> Element { choices[selector % choices.count] }
}
