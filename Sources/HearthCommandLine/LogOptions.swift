import ArgumentParser
import HearthCore
import Logging

/// Logging to standard error, at the level from `--log-level` or `HEARTH_LOG_LEVEL`.
public struct LogOptions: ParsableArguments {
    public init() {}

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env HEARTH_LOG_LEVEL; default info).")
    public var logLevel: String?

    public func makeLogger() throws -> Logger {
        let text = logLevel ?? Environment.value("HEARTH_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: text) else {
            throw HearthError(.configuration, "unknown log level \(text)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "hearth")
        logger.logLevel = level
        return logger
    }
}
