import HearthFirmware

/// The JSON bodies of the pairing endpoints, shared by the hub (which decodes requests and
/// encodes answers) and the device SDK (the other way round), so the two cannot drift. Binary
/// values are base64url without padding; docs/pairing.md describes each message.

/// `POST /v1/pairing/code`
public struct CodePairingStart: Codable, Sendable {
    public let csr: String
    public let commitment: String
    public let hubKey: String

    public init(csr: String, commitment: String, hubKey: String) {
        self.csr = csr
        self.commitment = commitment
        self.hubKey = hubKey
    }

    enum CodingKeys: String, CodingKey {
        case csr, commitment
        case hubKey = "hub_key"
    }
}

/// The hub's answer to ``CodePairingStart`` (201).
public struct CodePairingStarted: Codable, Sendable {
    public let requestID: String
    public let pollToken: String
    public let userCode: String
    public let hubNonce: String
    public let interval: Int
    public let expiresIn: Int

    public init(requestID: String, pollToken: String, userCode: String, hubNonce: String, interval: Int, expiresIn: Int) {
        self.requestID = requestID
        self.pollToken = pollToken
        self.userCode = userCode
        self.hubNonce = hubNonce
        self.interval = interval
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case interval
        case requestID = "request_id", pollToken = "poll_token", userCode = "user_code", hubNonce = "hub_nonce"
        case expiresIn = "expires_in"
    }
}

/// `POST /v1/pairing/code/poll`: reveals the nonce committed to at the start.
public struct CodePairingPoll: Codable, Sendable {
    public let requestID: String
    public let pollToken: String
    public let deviceNonce: String
    /// What the device runs, recorded with its pairing (docs/firmware.md).
    public let firmware: FirmwareReport?

    public init(requestID: String, pollToken: String, deviceNonce: String, firmware: FirmwareReport? = nil) {
        self.requestID = requestID
        self.pollToken = pollToken
        self.deviceNonce = deviceNonce
        self.firmware = firmware
    }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id", pollToken = "poll_token", deviceNonce = "device_nonce", firmware
    }
}

/// `POST /v1/pairing/secret`
public struct SecretPairingRequest: Codable, Sendable {
    public let expectationID: String
    public let csr: String
    public let deviceNonce: String
    public let hubKey: String
    public let proof: String
    /// What the device runs, recorded with its pairing (docs/firmware.md).
    public let firmware: FirmwareReport?

    public init(expectationID: String, csr: String, deviceNonce: String, hubKey: String, proof: String, firmware: FirmwareReport? = nil) {
        self.expectationID = expectationID
        self.csr = csr
        self.deviceNonce = deviceNonce
        self.hubKey = hubKey
        self.proof = proof
        self.firmware = firmware
    }

    enum CodingKeys: String, CodingKey {
        case csr, proof, firmware
        case expectationID = "expectation_id", deviceNonce = "device_nonce", hubKey = "hub_key"
    }
}

/// The hub's answer to `POST /v1/pairing/attest/challenge` (201).
public struct AttestationChallengeIssued: Codable, Sendable {
    public let challenge: String
    public let expiresIn: Int

    public init(challenge: String, expiresIn: Int) {
        self.challenge = challenge
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case challenge
        case expiresIn = "expires_in"
    }
}

/// `POST /v1/pairing/attest`
public struct AttestationPairingRequest: Codable, Sendable {
    public let challenge: String
    public let csr: String
    public let hubKey: String
    public let attestationChain: String
    public let signature: String
    /// What the device runs, recorded with its pairing (docs/firmware.md).
    public let firmware: FirmwareReport?

    public init(challenge: String, csr: String, hubKey: String, attestationChain: String, signature: String, firmware: FirmwareReport? = nil) {
        self.challenge = challenge
        self.csr = csr
        self.hubKey = hubKey
        self.attestationChain = attestationChain
        self.signature = signature
        self.firmware = firmware
    }

    enum CodingKeys: String, CodingKey {
        case challenge, csr, signature, firmware
        case hubKey = "hub_key", attestationChain = "attestation_chain"
    }
}
