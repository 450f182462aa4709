/// What the one pass (``FlatObjectPass``) learned of the members of a device's last payload of a
/// flow, position by position, kept by the caller per connection between payloads: a device
/// writes its members in the same order every time, and most of them unchanged — its serial
/// number, its firmware version, a state — message after message.
///
/// - Each position's declared property: a member's name is first compared with it, which is
///   cheaper than a lookup.
/// - Each member's bytes, from its name's opening quote to its value's end, and what was found
///   in them: a member that comes again byte for byte, at the same position, is neither scanned,
///   checked against its schema nor examined by a redaction again — the same bytes under the same
///   schema and rules are the same tokens, pass the same checks and are redacted or not the same —
///   and only rules that change its value (round, coarsen) run on it again.
///
/// A memo is bound to the pass that wrote it (one flow's schema and rules): another flow's pass
/// starts it over.
///
/// `@unchecked Sendable`: one connection's, on its event loop, in the gate's memo; nothing else
/// holds it.
public final class MemberMemo: @unchecked Sendable {
    /// The pass that wrote it (nil: nothing remembered). Held, not just identified: a pass of
    /// another declaration made later at the same address must not be taken for it.
    var pass: FlatObjectPass?
    /// Positions remembered (up to ``positions``).
    var count = 0
    /// The last payload decided, whose members the entries describe.
    var previous: UnsafeMutableRawBufferPointer
    let entries: UnsafeMutableBufferPointer<Entry>
    static let positions = 16

    struct Entry {
        /// Where the member starts in `previous`, and its bytes.
        var start: UInt32
        var length: UInt32
        /// Its name's and value's tokens, their offsets from the member's start.
        var name: JSONToken
        var value: JSONToken
        /// The declared property it is (its offset in the root's).
        var property: Int32
        /// Whether its value is left as it is by the rules' redactions (`Minimizer.look`).
        var plain: Bool
    }

    public init() {
        previous = .allocate(byteCount: 256, alignment: 8)
        entries = .allocate(capacity: Self.positions)
    }

    deinit {
        previous.deallocate()
        entries.deallocate()
    }

    /// The entry of `position` if the member at `start` of `bytes` is, byte for byte, the one it
    /// describes — and ends where that one did: the byte after it ends a member (`,`, `}` or
    /// whitespace), so that `"seq":42` is not taken for the first bytes of `"seq":421`. Read in
    /// place: only its start and length are needed to tell, and a member that changed (a
    /// timestamp, a counter) is told so before the rest of its entry is read.
    @inline(__always) func entry(
        at position: Int, for pass: FlatObjectPass, _ bytes: UnsafePointer<UInt8>, from start: Int, count: Int
    ) -> UnsafePointer<Entry>? {
        guard position < self.count, self.pass === pass else { return nil }
        let entry = UnsafePointer(entries.baseAddress! + position)
        let length = Int(entry.pointee.length)
        let end = start + length
        guard end < count else { return nil }
        switch bytes[end] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09: break
        default: return nil
        }
        let remembered = previous.baseAddress!.assumingMemoryBound(to: UInt8.self) + Int(entry.pointee.start)
        guard JSONStrings.bytesEqual(UnsafeBufferPointer(start: bytes + start, count: length), UnsafeBufferPointer(start: remembered, count: length))
        else { return nil }
        return entry
    }

    /// The member at `position`, taken as it was, starts at `start` of the payload being decided:
    /// where ``keep(_:positions:for:)`` will find its bytes. (Left at its old place, a later
    /// payload would be compared with whatever bytes are there now, and could be taken for a
    /// member it is not.)
    @inline(__always) func moved(_ position: Int, to start: Int) {
        entries[position].start = UInt32(truncatingIfNeeded: start)
    }

    /// The property the member at `position` named last time, or -1: a hint for its name.
    @inline(__always) func property(at position: Int, for pass: FlatObjectPass) -> Int {
        guard position < count, self.pass === pass else { return -1 }
        return Int(entries[position].property)
    }

    /// Records the member at `position` of the payload being decided (its tokens at 0 and 1 of
    /// `tokens`, `start..<end` of it): it stands for the next payload once ``keep(_:positions:for:)``
    /// keeps this one.
    @inline(__always) func record(
        _ position: Int, start: Int, end: Int, tokens: UnsafePointer<JSONToken>, property: Int, plain: Bool
    ) {
        guard position < Self.positions else { return }
        let shift = UInt32(truncatingIfNeeded: start)
        entries[position] = Entry(
            start: shift, length: UInt32(truncatingIfNeeded: end - start),
            name: tokens[0].moved(by: 0 &- shift), value: tokens[1].moved(by: 0 &- shift),
            property: Int32(truncatingIfNeeded: property), plain: plain)
    }

    /// The payload was decided: its `positions` recorded members stand for the next one.
    func keep(_ payload: UnsafeRawBufferPointer, positions: Int, for pass: FlatObjectPass) {
        if previous.count < payload.count {
            previous.deallocate()
            previous = .allocate(byteCount: max(payload.count, 2 * previous.count), alignment: 8)
        }
        previous.baseAddress!.copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        count = min(positions, Self.positions)
        if self.pass !== pass { self.pass = pass }
    }

    /// Keeps the members' order but not their bytes: the next payload is read as one whose
    /// members all changed (`hearth-bench telemetry-pipeline`'s worst case).
    package func forgetBytes() {
        previous.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// The payload was not decided by the pass: what was recorded of it is not kept.
    func forget() {
        count = 0
        pass = nil
    }
}
