import ArgumentParser
import Foundation
import HearthCore
import HearthDevice
import HearthPairing

/// `hearth device …`: a virtual device, for trying Hearth without hardware and for scripts and
/// tests that need a real device client. (`hearth devices …` is the hub side.)
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Act as a device: pair with a hub, renew the certificate, show the hub's record of it.",
        subcommands: [Pair.self, Renew.self, Status.self])

    /// The state folder every command takes.
    struct State: ParsableArguments {
        @Option(name: .long, help: "The device's state folder (keys, certificates, device.json).")
        var state: String

        func device(_ log: LogOptions) throws -> VirtualDevice {
            VirtualDevice(stateFolder: URL(fileURLWithPath: state), logger: try log.makeLogger())
        }
    }

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case code, secret
    }

    static func certificateLine(_ certificate: DeviceCertificateInfo) -> String {
        "certificate: \(certificate.serial) valid until \(RFC3339.format(certificate.notAfter))"
    }

    struct Pair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pair with a hub, then rotate the key at once.",
            discussion: """
                In code mode the device prints `code: XXXX-XXXX` and `verify: VVVVV-SSSSS` and waits: \
                approve the code on the hub with that value (`hearth pair approve CODE --verify VVVVV-SSSSS`). \
                In secret mode the owner has given the hub the device's setup secret beforehand.
                """)

        @Option(name: .long, help: "The hub's address, like https://192.168.1.10:8443.")
        var hub: String

        @Option(name: .long, help: "code (show a code to approve) or secret (a setup secret the hub expects).")
        var mode: Mode

        @OptionGroup var state: State

        @Option(name: .long, help: "The device's setup secret (secret mode). Visible to other local users in the process list.")
        var secret: String?

        @OptionGroup var log: LogOptions

        func validate() throws {
            if mode == .secret, secret == nil { throw ValidationError("secret mode needs --secret") }
            if mode == .code, secret != nil { throw ValidationError("--secret is for secret mode only") }
        }

        func run() async throws {
            guard let url = URL(string: hub), url.scheme == "https", url.host != nil else {
                throw ValidationError("--hub must be an https:// URL, like https://192.168.1.10:8443")
            }
            let device = try state.device(log)
            let outcome: DevicePairingOutcome
            switch mode {
            case .code:
                outcome = try await device.pairWithCode(hub: url) { code, verify in
                    // Each line is written unbuffered: a script reads them while the device polls.
                    Output.print("code: \(code)")
                    Output.print("verify: \(verify)")
                }
            case .secret:
                outcome = try await device.pairWithSecret(hub: url, secret: try SetupSecret(text: secret ?? ""))
            }
            Output.print("device: \(outcome.deviceID)")
            Output.print(DeviceCommand.certificateLine(outcome.certificate))
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew the device certificate with a new key, if it is due (two thirds into its life).")

        @OptionGroup var state: State

        @Flag(name: .long, help: "Renew now, even if not due.")
        var force = false

        @OptionGroup var log: LogOptions

        func run() async throws {
            let device = try state.device(log)
            let outcome = force ? try await device.renew() : try await device.renewIfDue()
            if outcome.renewed {
                Output.print("renewed")
            } else {
                Output.print("not due: renews after \(RFC3339.format(outcome.certificate.renewAfter))")
            }
            Output.print(DeviceCommand.certificateLine(outcome.certificate))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the hub's record of this device (JSON).")

        @OptionGroup var state: State
        @OptionGroup var log: LogOptions

        func run() async throws {
            Output.print(try await state.device(log).status().json)
        }
    }
}
