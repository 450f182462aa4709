import HearthCore
import X509

/// How the hub writes a serial number: lowercase hex of its magnitude, without the 0x00 sign byte
/// DER puts before a value whose top bit is set — the same digits `openssl x509 -serial` prints,
/// and one spelling for the inventory, OCSP lookups and the live revocation set.
public enum SerialNumberText {
    public static func hex(_ integerBytes: some Collection<UInt8>) -> String {
        integerBytes.drop { $0 == 0 }.hexString
    }

    public static func hex(_ serial: Certificate.SerialNumber) -> String { hex(serial.bytes) }
}
