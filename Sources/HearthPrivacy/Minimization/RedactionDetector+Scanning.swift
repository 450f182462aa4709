import HearthBytes

extension RedactionDetector {
    /// As a bit of a set of detectors.
    var bit: UInt8 {
        switch self {
        case .macAddress: 1
        case .email: 2
        case .ipv4: 4
        }
    }

    /// Whether `text` contains what any detector of the set `detectors` looks for.
    @inline(__always) static func isFound(_ detectors: UInt8, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        (detectors & 1 != 0 && containsMACAddress(text)) || (detectors & 2 != 0 && containsEmail(text))
            || (detectors & 4 != 0 && containsIPv4(text))
    }

    @inline(__always) static func isHex(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10 || (byte | 0x20) &- UInt8(ascii: "a") < 6
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    static func containsMACAddress(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = text.count
        // Every form of MAC address has a `:`, `-` or `.`: most strings have none, and are passed over
        // eight bytes at a time instead of tried at every position.
        guard count >= 14, WordScan.contains(UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "."), in: UnsafeRawBufferPointer(text))
        else { return false }
        func hexRun(_ start: Int, _ length: Int) -> Bool {
            for index in start..<start + length where !isHex(text[index]) { return false }
            return true
        }
        // Not part of a longer run: no hex digit or separator of the same kind right outside.
        func bounded(_ start: Int, _ end: Int, _ separator: UInt8) -> Bool {
            (start == 0 || (!isHex(text[start - 1]) && text[start - 1] != separator))
                && (end == count || (!isHex(text[end]) && text[end] != separator))
        }
        // Both forms begin with two hex digits: most positions of most strings end here.
        for start in 0...(count - 14) where isHex(text[start]) && isHex(text[start + 1]) {
            let third = text[start + 2]
            if (third == UInt8(ascii: ":") || third == UInt8(ascii: "-")), count - start >= 17, text[start + 5] == third,
                text[start + 8] == third, text[start + 11] == third, text[start + 14] == third
            {
                var matches = true
                for group in 0..<6 {
                    let at = start + group * 3
                    if !hexRun(at, 2) || (group < 5 && text[at + 2] != third) {
                        matches = false
                        break
                    }
                }
                if matches, bounded(start, start + 17, third) { return true }
            } else if text[start + 4] == UInt8(ascii: "."), text[start + 9] == UInt8(ascii: "."),
                hexRun(start, 4), hexRun(start + 5, 4), hexRun(start + 10, 4), bounded(start, start + 14, UInt8(ascii: "."))
            {
                return true
            }
        }
        return false
    }

    static func containsEmail(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        func isLocal(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        }
        func isLabel(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte == UInt8(ascii: "-")
        }
        for at in text.indices where text[at] == UInt8(ascii: "@") {
            guard at > 0, isLocal(text[at - 1]) else { continue }
            // The domain: labels separated by single dots; the last one two letters or more.
            var index = at + 1
            var labels = 0
            var lastLabelLetters = true
            var lastLabelLength = 0
            while index < text.count {
                let start = index
                var letters = true
                while index < text.count, isLabel(text[index]) {
                    if (text[index] | 0x20) &- UInt8(ascii: "a") >= 26 { letters = false }
                    index += 1
                }
                guard index > start else { break }
                labels += 1
                lastLabelLength = index - start
                lastLabelLetters = letters
                guard index + 1 < text.count, text[index] == UInt8(ascii: "."), isLabel(text[index + 1]) else { break }
                index += 1
            }
            if labels >= 2, lastLabelLetters, lastLabelLength >= 2 { return true }
        }
        return false
    }

    static func containsIPv4(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = text.count
        guard count >= 7 else { return false }
        var start = 0
        while start <= count - 7 {
            defer { start += 1 }
            guard isDigit(text[start]), start == 0 || (!isDigit(text[start - 1]) && text[start - 1] != UInt8(ascii: ".")) else {
                continue
            }
            var index = start
            var octets = 0
            while octets < 4 {
                var value = 0
                let digits = index
                while index < count, index - digits < 3, isDigit(text[index]) {
                    value = value * 10 + Int(text[index] - UInt8(ascii: "0"))
                    index += 1
                }
                guard index > digits, value <= 255, index == count || !isDigit(text[index]) else { break }
                octets += 1
                if octets < 4 {
                    guard index < count, text[index] == UInt8(ascii: ".") else { break }
                    index += 1
                }
            }
            guard octets == 4 else { continue }
            let dottedOn = index + 1 < count && text[index] == UInt8(ascii: ".") && isDigit(text[index + 1])
            if !dottedOn { return true }
        }
        return false
    }
}
