import Foundation

/// Writes to standard output unbuffered, so a supervisor or test reading the pipe sees each
/// message (the first owner's password, the listening address) the moment it is printed.
public enum Output {
    public static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
