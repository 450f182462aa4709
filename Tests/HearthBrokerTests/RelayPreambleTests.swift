import Crypto
import Foundation
@testable import HearthBroker
import NIOCore
import Testing

/// The preamble a node sends before a relayed client's bytes: read whole or not at all, refused
/// unless MAC'd with a key of this hub and fresh.
@Suite struct RelayPreambleTests {
    let key = SymmetricKey(size: .bits256)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    var preamble: RelayPreamble {
        RelayPreamble(certificateChain: [[0x30, 0x03, 0x02, 0x01, 0x01]], remoteAddress: "192.0.2.7", localPort: 8883, issuedAt: now)
    }

    @Test func aPreambleIsReadOnceWholeAndLeavesTheClientsBytes() throws {
        var wire = preamble.encoded(key: key)
        wire.writeBytes([0x10, 0x00])
        var partial = wire.getSlice(at: 0, length: wire.readableBytes - 10)!
        #expect(try RelayPreamble.read(from: &partial, keys: [key], now: now) == nil, "not all there yet")
        let read = try RelayPreamble.read(from: &wire, keys: [SymmetricKey(size: .bits256), key], now: now)
        #expect(read == preamble, "any of the keys verifies (a KEK rotation)")
        #expect(Array(wire.readableBytesView) == [0x10, 0x00], "the client's bytes follow")
    }

    @Test func aPreambleNotMadeByThisHubOrTooOldIsRefused() {
        var forged = preamble.encoded(key: SymmetricKey(size: .bits256))
        #expect(throws: RelayPreamble.Refusal.badMAC) { try RelayPreamble.read(from: &forged, keys: [key], now: now) }

        var tampered = preamble.encoded(key: key)
        tampered.setInteger(UInt8(ascii: "9"), at: 20)
        #expect(throws: RelayPreamble.Refusal.badMAC) { try RelayPreamble.read(from: &tampered, keys: [key], now: now) }

        var old = preamble.encoded(key: key)
        #expect(throws: RelayPreamble.Refusal.stale) {
            try RelayPreamble.read(from: &old, keys: [key], now: now.addingTimeInterval(31))
        }

        var mqtt = ByteBuffer(bytes: [0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c])
        #expect(throws: RelayPreamble.Refusal.malformed) { try RelayPreamble.read(from: &mqtt, keys: [key], now: now) }

        var huge = ByteBuffer(bytes: Array("HRL1".utf8) + [0x7f, 0xff, 0xff, 0xff])
        #expect(throws: RelayPreamble.Refusal.malformed) { try RelayPreamble.read(from: &huge, keys: [key], now: now) }
    }
}
