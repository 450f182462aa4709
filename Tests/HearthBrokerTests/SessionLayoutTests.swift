@testable import HearthBroker
import HearthMQTT
import Testing

/// Every action and every wait is copied at each step of a message, and is as large as its
/// largest case: the cases that come once a connection are boxed so that these stay small (an
/// unboxed CONNECT made QoS 0 routing cost 13 % more CPU).
@Suite struct SessionLayoutTests {
    @Test func aMessagesActionsAndWaitsStaySmall() {
        #expect(MemoryLayout<MQTTSessionStateMachine.Action>.size <= 64)
        #expect(MemoryLayout<MQTTSessionStateMachine.Awaiting>.size <= 80)
        #expect(MemoryLayout<MQTTPacket>.size <= 64)
    }
}
