import HearthCore
import HearthMQTT
import NIOCore
import Testing

/// Mutated and random bytes must decode to nil, a packet or an MQTTProtocolError: never a trap, and
/// never a packet that does not survive being encoded again.
@Suite struct FuzzTests {
    private static let versions: [MQTTVersion?] = [nil, .v311, .v5]

    @Test(arguments: [MQTTVersion.v311, .v5])
    func mutatedPacketsNeverCrashTheDecoder(_ version: MQTTVersion) {
        var random = SplitMix64(seed: version == .v5 ? 0x5EED_0005 : 0x5EED_0004)
        let originals = Fixtures.packets(version).map {
            (bytes: Fixtures.encode($0, version), version: Fixtures.decodingVersion(of: $0, version))
        }
        var outcomes = Outcomes()
        for _ in 0..<15000 {
            let original = originals[Int.random(in: 0..<originals.count, using: &random)]
            var bytes = original.bytes
            for _ in 0..<Int.random(in: 1...3, using: &random) { mutate(&bytes, using: &random) }
            // Mostly the version the packet was made for, so that mutations reach the body decoders.
            let decodeAs = Int.random(in: 0..<4, using: &random) == 0
                ? Self.versions[Int.random(in: 0..<3, using: &random)] : original.version
            let limit = Int.random(in: 0..<4, using: &random) == 0 ? Int.random(in: 2...64, using: &random) : 1 << 20
            decodeAll(bytes, version: decodeAs, maximumPacketSize: limit, outcomes: &outcomes)
        }
        // The mutations must exercise all three outcomes, or the fuzzing proves little.
        #expect(outcomes.packets > 400, "\(outcomes)")
        #expect(outcomes.incomplete > 500)
        #expect(outcomes.errors > 500)
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = SplitMix64(seed: 0xB17E5)
        var outcomes = Outcomes()
        for _ in 0..<3000 {
            let count = Int.random(in: 0...48, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Give many of them a plausible first byte and a small length, so bodies get decoded too.
            if count > 2, Bool.random(using: &random) {
                bytes[0] = UInt8.random(in: 1...15, using: &random) << 4 | (Bool.random(using: &random) ? 0 : 2)
                bytes[1] = UInt8(count - 2)
            }
            let decodeAs = Self.versions[Int.random(in: 0..<3, using: &random)]
            decodeAll(bytes, version: decodeAs, maximumPacketSize: 1 << 20, outcomes: &outcomes)
        }
        #expect(outcomes.errors > 100)
    }

    private struct Outcomes {
        var packets = 0
        var incomplete = 0
        var errors = 0
    }

    private func decodeAll(_ bytes: [UInt8], version: MQTTVersion?, maximumPacketSize: Int, outcomes: inout Outcomes) {
        var buffer = ByteBuffer(bytes: bytes)
        var version = version
        while buffer.readableBytes > 0 {
            let before = buffer.readableBytes
            do {
                guard let packet = try MQTTCodec.decode(&buffer, version: version, maximumPacketSize: maximumPacketSize)
                else {
                    #expect(buffer.readableBytes == before, "nil must consume nothing")
                    outcomes.incomplete += 1
                    return
                }
                #expect(buffer.readableBytes < before)
                outcomes.packets += 1
                if version == nil, case .connect(let connect) = packet { version = connect.version }
                if let version { expectStable(packet, version: version) }
            } catch {
                outcomes.errors += 1
                return
            }
        }
    }

    /// What the decoder accepted, the encoder writes back as something that decodes to the same packet.
    private func expectStable(_ packet: MQTTPacket, version: MQTTVersion) {
        let encodingVersion: MQTTVersion
        if case .connect(let connect) = packet { encodingVersion = connect.version } else { encodingVersion = version }
        var buffer = MQTTCodec.encode(packet, version: encodingVersion)
        let decodeAs: MQTTVersion? = if case .connect = packet { nil } else { encodingVersion }
        #expect(throws: Never.self) {
            let again = try MQTTCodec.decode(&buffer, version: decodeAs, maximumPacketSize: .max)
            #expect(again == packet)
            #expect(buffer.readableBytes == 0)
        }
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout SplitMix64) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return
        }
        let index = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1: bytes[index] = UInt8.random(in: 0...255, using: &random)
        case 2: bytes.removeSubrange(index...)
        case 3:
            let count = Int.random(in: 1...4, using: &random)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }, at: index)
        case 4: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...4, using: &random)))
        case 5:
            // Change the Remaining Length without changing the body.
            if bytes.count > 1 { bytes[1] = UInt8.random(in: 0...255, using: &random) }
        case 6:
            // Nudge a byte by one: lengths and counts just off by one are where decoders go wrong.
            bytes[index] = Bool.random(using: &random) ? bytes[index] &+ 1 : bytes[index] &- 1
        default:
            // Swap the packet type, keeping the body.
            bytes[0] = UInt8.random(in: 0...15, using: &random) << 4 | (bytes[0] & 0x0F)
        }
    }
}
