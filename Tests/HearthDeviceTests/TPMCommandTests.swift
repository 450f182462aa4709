import Testing

@testable import HearthTPM

/// The TPM 2.0 commands as bytes, without a TPM: the commands' layout against the specification's
/// (TPM 2.0 Part 3), written out here by hand, and responses — good, refused, cut short, lying about
/// their size — read without a crash. (That a real TPM agrees is TPMKeyStoreTests', with swtpm and
/// tpm2-tools.)
@Suite struct TPMCommandTests {
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = hex.filter(\.isHexDigit)
        return stride(from: 0, to: digits.count, by: 2).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return UInt8(digits[start...digits.index(after: start)], radix: 16)!
        }
    }

    @Test func createPrimaryIsLaidOutAsPart3Says() {
        let unique = [UInt8](repeating: 0xAB, count: 32)
        let expected = Self.bytes("""
            8002 00000061 00000131
            40000001
            00000009 40000009 0000 00 0000
            0004 0000 0000
            0038 0023 000b 00040472 0000 0010 0018 000b 0003 0010 0020
            """) + unique + Self.bytes("0000 0000 00000000")
        #expect(TPMCommands.createPrimary(unique: unique) == expected)
        #expect(expected.count == 0x61)
    }

    @Test func signAndFlushAreLaidOutAsPart3Says() {
        let digest = [UInt8](repeating: 0x11, count: 32)
        let sign = Self.bytes("8002 00000049 0000015d 80000001 00000009 40000009 0000 00 0000 0020")
            + digest + Self.bytes("0018 000b 8024 40000007 0000")
        #expect(TPMCommands.sign(handle: 0x8000_0001, digest: digest) == sign)
        #expect(sign.count == 0x49)
        #expect(TPMCommands.flush(handle: 0x8000_0001) == Self.bytes("8001 0000000e 00000165 80000001"))
    }

    /// A CreatePrimary response with a point whose coordinates have leading zeros dropped.
    static func createdResponse(x: [UInt8], y: [UInt8]) -> [UInt8] {
        var outPublic = Self.bytes("0023 000b 00040472 0000 0010 0018 000b 0003 0010")
        outPublic += [0, UInt8(x.count)] + x + [0, UInt8(y.count)] + y
        let parameters = [UInt8(outPublic.count >> 8), UInt8(outPublic.count & 0xFF)] + outPublic + [UInt8](repeating: 0, count: 12)
        let body = Self.bytes("80000000") + [0, 0, UInt8(parameters.count >> 8), UInt8(parameters.count & 0xFF)] + parameters
        let size = 10 + body.count
        return Self.bytes("8002") + [0, 0, UInt8(size >> 8), UInt8(size & 0xFF)] + Self.bytes("00000000") + body
    }

    @Test func aCreatedKeysPointIsReadAndPadded() throws {
        let x = [UInt8](repeating: 0x42, count: 31)
        let y = [UInt8](repeating: 0x24, count: 32)
        let created = try TPMCommands.createdPrimary(Self.createdResponse(x: x, y: y))
        #expect(created.handle == 0x8000_0000)
        #expect(created.point == [0x04, 0x00] + x + y)
    }

    @Test func aSignatureIsReadAsFixedWidthRAndS() throws {
        let r = [UInt8](repeating: 0x01, count: 30)
        let s = [UInt8](repeating: 0x02, count: 32)
        let parameters = Self.bytes("0018 000b") + [0, UInt8(r.count)] + r + [0, UInt8(s.count)] + s
        let size = 10 + 4 + parameters.count
        let response = Self.bytes("8002") + [0, 0, 0, UInt8(size)] + Self.bytes("00000000")
            + [0, 0, 0, UInt8(parameters.count)] + parameters
        #expect(try TPMCommands.signature(response) == [0, 0] + r + s)
    }

    @Test func refusedShortAndLyingResponsesAreErrorsNotCrashes() throws {
        // TPM_RC_OBJECT_MEMORY: the TPM holds too many objects.
        #expect(throws: TPMError.refused(command: "CreatePrimary", code: 0x902)) {
            try TPMCommands.createdPrimary(Self.bytes("8001 0000000a 00000902"))
        }
        let good = Self.createdResponse(x: [UInt8](repeating: 1, count: 32), y: [UInt8](repeating: 2, count: 32))
        // Cut anywhere before the end of the public key (the creation data after it is not read).
        for cut in [0, 1, 9, 10, 14, 20, good.count / 2, good.count - 13] {
            var short = Array(good.prefix(cut))
            if short.count >= 6 { short[5] = UInt8(short.count & 0xFF); short[4] = UInt8(short.count >> 8) }
            #expect(throws: TPMError.self, "cut at \(cut)") { try TPMCommands.createdPrimary(short) }
        }
        var lying = good
        lying[5] &+= 1  // a size that is not the response's
        #expect(throws: TPMError.malformedResponse) { try TPMCommands.createdPrimary(lying) }
        var longX = good
        // A coordinate longer than P-256's 32 bytes.
        let xSize = good.count - 12 - 32 - 2 - 32 - 2
        longX[xSize + 1] = 33
        #expect(throws: TPMError.self) { try TPMCommands.createdPrimary(longX) }
    }

    @Test func addressesParseAsTpm2ToolsSpellsThem() throws {
        #expect(try TPMAddress(parsing: "/dev/tpmrm0") == .device("/dev/tpmrm0"))
        #expect(try TPMAddress(parsing: "swtpm:host=10.0.0.2,port=2321") == .tcp(host: "10.0.0.2", port: 2321))
        #expect(try TPMAddress(parsing: "swtpm:port=2321") == .tcp(host: "127.0.0.1", port: 2321))
        for bad in ["tpm0", "swtpm:", "swtpm:port=0", "swtpm:port=70000", "swtpm:host=x", "swtpm:colour=blue,port=1", "swtpm:port"] {
            #expect(throws: TPMError.self, "\(bad)") { try TPMAddress(parsing: bad) }
        }
    }
}
