import ArgumentParser
import HearthCommandLine

@main
struct Hearth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth",
        abstract: "Hearth: the trust hub for the smart home.",
        discussion: """
            Every option can also be set with a HEARTH_* environment variable (see README.md); \
            a flag wins over the variable.
            """,
        subcommands: [Serve.self, Init.self, Status.self, Backup.self, Restore.self, Households.self, People.self, Audit.self, Witness.self, CA.self, Devices.self, DeviceCommand.self, Pair.self, Trust.self, Clients.self, Integrations.self, Privacy.self, Alerts.self, Firmware.self, CheckupCommand.self, Login.self, API.self],
        defaultSubcommand: nil)
}
