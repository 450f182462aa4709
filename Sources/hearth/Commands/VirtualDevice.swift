import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthDevice
import HearthTPM
import HearthPairing

/// `hearth device …`: a virtual device, for trying Hearth without hardware and for scripts and
/// tests that need a real device client. (`hearth devices …` is the hub side.)
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Act as a device: pair with a hub, renew the certificate, show the hub's record of it.",
        subcommands: [Pair.self, Renew.self, Status.self, Manufacture.self, Reset.self, FirmwareCommand.self, Update.self])

    /// The state folder every command takes.
    struct State: ParsableArguments {
        @Option(name: .long, help: "The device's state folder (keys, certificates, device.json).")
        var state: String

        @Option(
            name: .long,
            help: "Keep the device's keys in a TPM 2.0, where they are made and never leave: /dev/tpmrm0, or swtpm:host=127.0.0.1,port=2321 (env HEARTH_DEVICE_TPM).")
        var tpm: String?

        func device(_ log: LogOptions) throws -> VirtualDevice {
            let folder = URL(fileURLWithPath: state)
            guard let address = tpm ?? Environment.value("HEARTH_DEVICE_TPM") else {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(TPMKeyStore.currentName).path) {
                    throw ValidationError("this device's key is in a TPM: give --tpm (or HEARTH_DEVICE_TPM)")
                }
                return VirtualDevice(stateFolder: folder, logger: try log.makeLogger())
            }
            let keys = TPMKeyStore(folder: folder, tpm: TPM(try TPMAddress(parsing: address)))
            return VirtualDevice(stateFolder: folder, keys: keys, logger: try log.makeLogger())
        }
    }

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case code, secret, attest
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
                In secret mode the owner has given the hub the device's setup secret beforehand. \
                In attest mode the device presents the manufacturer attestation in its state folder \
                (see `hearth device manufacture`) and trusts the hub it reaches first.
                """)

        @Option(name: .long, help: "The hub's address, like https://192.168.1.10:8443.")
        var hub: String

        @Option(name: .long, help: "code (show a code to approve), secret (a setup secret the hub expects) or attest (zero-touch).")
        var mode: Mode

        @OptionGroup var state: State

        @Option(name: .long, help: "The device's setup secret (secret mode). Visible to other local users in the process list.")
        var secret: String?

        @OptionGroup var log: LogOptions

        func validate() throws {
            if mode == .secret, secret == nil { throw ValidationError("secret mode needs --secret") }
            if mode != .secret, secret != nil { throw ValidationError("--secret is for secret mode only") }
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
            case .attest:
                outcome = try await device.pairWithAttestation(
                    hub: url, attestation: try DeviceAttestation.load(from: URL(fileURLWithPath: state.state)))
            }
            Output.print("device: \(outcome.deviceID)")
            Output.print(DeviceCommand.certificateLine(outcome.certificate))
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew the device certificate with a new key, if it is due (two thirds into its life).")

        @OptionGroup var state: State

        @Flag(
            name: .long,
            help: "Rekey now, before the renewal window, because the key may have leaked: the hub allows it once an hour per device, audits it (certificate.rekeyed) and supersedes the old certificate once the new one is used.")
        var force = false

        @OptionGroup var log: LogOptions

        func run() async throws {
            let device = try state.device(log)
            let outcome = force ? try await device.rekeyAfterSuspectedLeak() : try await device.renewIfDue()
            if outcome.renewed {
                Output.print("renewed")
            } else {
                Output.print("not due: renews after \(RFC3339.format(outcome.certificate.renewAfter)) (by the hub's clock)")
            }
            Output.print(DeviceCommand.certificateLine(outcome.certificate))
        }
    }

    struct FirmwareCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "firmware",
            abstract: "Say what the device runs (its firmware.json) and report it to the hub; without options, report what it says.")
        @Option(name: .long, help: "The model.") var model: String?
        @Option(name: .long, help: "The version.") var version: String?
        @Option(name: .long, help: "The security version.") var securityVersion: Int64?
        @OptionGroup var state: State
        @OptionGroup var log: LogOptions

        func run() async throws {
            let device = try state.device(log)
            switch (model, version, securityVersion) {
            case (let model?, let version?, let securityVersion?):
                try device.folder.store(firmware: InstalledFirmware(model: model, version: version, securityVersion: securityVersion))
            case (nil, nil, nil):
                break
            default:
                throw ValidationError("give --model, --version and --security-version together")
            }
            guard try device.record() != nil else {
                Output.print("kept in \(device.folder.firmwareURL.path); the device reports it when it pairs")
                return
            }
            let posture = try await device.reportFirmware()
            Output.print("reported; the hub says: \(posture ?? "nothing")")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the newest release for the device's model through the hub's TUF repository, verify it, install it and report it.")
        @Option(name: .long, help: "A version to install instead of the newest (never one with a lower security version).")
        var version: String?
        @OptionGroup var state: State
        @OptionGroup var log: LogOptions

        func run() async throws {
            let update = try await state.device(log).update(version: version)
            if update.installed {
                Output.print("installed \(update.to.model) \(update.to.version) (security version \(update.to.securityVersion)), was \(update.from.version)")
            } else {
                Output.print("up to date: \(update.to.model) \(update.to.version) (security version \(update.to.securityVersion))")
            }
            Output.print("posture: \(update.posture ?? "unknown")")
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

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Factory-reset the device: forget its identity, keep its manufacturer attestation.",
            discussion: """
                Deletes device.json, the certificate, the pinned root and the keys from the state folder, so \
                the device can pair again (re-commissioning) and get a new identity. On the hub, decommission \
                the old identity first (`hearth devices decommission ID`) and, for a setup secret or a serial, \
                expect the device again (`hearth pair expect`).
                """)

        @OptionGroup var state: State
        @OptionGroup var log: LogOptions

        func run() async throws {
            let device = try state.device(log)
            let previous = try device.record()
            try device.reset()
            Output.print(previous.map { "reset: forgot device \($0.deviceID)" } ?? "reset: the folder held no paired device")
        }
    }

    struct Manufacture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a virtual device a manufacturer attestation for zero-touch pairing.",
            discussion: """
                Makes (on first use) a manufacturer root in --manufacturer and certifies a new attestation \
                key for --serial into the device's state folder. Register the root on the hub with \
                `hearth trust add-manufacturer <manufacturer>/manufacturer.pem`.
                """)

        @Option(name: .long, help: "The manufacturer's folder (its root key and certificate).")
        var manufacturer: String

        @Option(name: .long, help: "The device's serial number, as the manufacturer certifies it.")
        var serial: String

        @Flag(name: .long, help: "Also give the device a claim code (printed, as on its label).")
        var claimCode = false

        @OptionGroup var state: State

        func run() async throws {
            let maker = try VirtualManufacturer.open(URL(fileURLWithPath: manufacturer))
            let attestation = try maker.attest(serial: serial, withClaimCode: claimCode)
            try attestation.store(in: URL(fileURLWithPath: state.state))
            Output.print("attested serial \(serial); manufacturer root: \(manufacturer)/manufacturer.pem")
            if let code = attestation.claimCode { Output.print("claim code: \(code.text)") }
        }
    }
}
