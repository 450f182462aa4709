import Foundation
import Synchronization

/// Speaks up when a test hub takes over a minute to stop. A service that ignores cancellation
/// would otherwise hang the whole test run in silence (Swift Testing prints nothing until the
/// run ends); this prints which stage of the teardown is stuck and the hub's last log lines,
/// where the service group says which services are still running.
final class TeardownWatch: Sendable {
    private let logs: LogCapture
    private let stage = Mutex<String?>(nil)
    private let timer = Mutex<Task<Void, Never>?>(nil)

    init(logs: LogCapture) {
        self.logs = logs
    }

    /// The teardown has reached `name`; the first call starts the minute.
    func enter(_ name: String) {
        stage.withLock { $0 = name }
        timer.withLock { timer in
            guard timer == nil else { return }
            timer = Task { [self] in
                var waited = 0
                while !Task.isCancelled {
                    guard (try? await Task.sleep(for: .seconds(60))) != nil else { return }
                    waited += 60
                    let at = stage.withLock { $0 } ?? "?"
                    let tail = logs.all.suffix(60).joined(separator: "\n  ")
                    FileHandle.standardError.write(Data(
                        "test hub: still stopping after \(waited) s, at \(at); its last log lines:\n  \(tail)\n".utf8))
                }
            }
        }
    }

    func finished() {
        timer.withLock { $0?.cancel() }
    }
}
