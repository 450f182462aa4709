import HearthMQTT
import NIOCore

/// The broker's packet decoder, MQTT 3.1.1 and 5, every packet type and property: a stream of
/// packets as a connection delivers it. Whatever decodes must encode and decode back to itself,
/// so the broker never forwards something other than what it checked.
enum MQTTFuzzTarget {
    static let target = FuzzTarget(
        name: "mqtt",
        summary: "MQTT 3.1.1/5 packet stream (first byte: before CONNECT, 3.1.1 or 5)"
    ) { bytes in
        let input = FuzzInput(bytes)
        var decoder = MQTTPacketDecoder(maximumPacketSize: 64 * 1024, version: input.pick([nil, .v311, .v5]))
        var buffer = ByteBuffer(bytes: input.rest)
        var decoded = 0
        while true {
            let packet: MQTTPacket?
            do { packet = try decoder.next(from: &buffer) } catch { return false }
            guard let packet else { return decoded > 0 && buffer.readableBytes == 0 }
            checkRoundTrip(packet, version: decoder.version ?? .v5)
            decoded += 1
        }
    }

    static func checkRoundTrip(_ packet: MQTTPacket, version: MQTTVersion) {
        var encoded = MQTTCodec.encode(packet, version: version)
        let again: MQTTPacket?
        do {
            again = try MQTTCodec.decode(&encoded, version: version, maximumPacketSize: Int.max)
        } catch {
            FuzzInvariant.check(false, "a decoded \(version) packet re-encodes to bytes the decoder refuses: \(error)")
            return
        }
        FuzzInvariant.check(again == packet, "a decoded \(version) packet re-encodes to a different packet")
        FuzzInvariant.check(encoded.readableBytes == 0, "re-encoding a packet left bytes over")
    }
}
