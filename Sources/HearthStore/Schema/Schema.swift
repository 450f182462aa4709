/// Every migration this binary knows, in order. The highest version is the schema it expects.
public enum Schema {
    public static let migrations: [Migration] = [version1, version2, version3, version4, version5, version6, version7, version8, version9, version10, version11, version12, version13, version14, version15, version16, version17, version18, version19, version20, version21, version22, version23, version24, version25, version26, version27, version28, version29, version30]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let version1 = Migration(
        version: 1,
        name: "households, people, zones, devices, sessions, hub keys",
        statements: [
            """
            CREATE TABLE hub (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                hub_id TEXT NOT NULL,
                trust_domain TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE households (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE zones (
                household_id TEXT NOT NULL REFERENCES households (id),
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (household_id, name)
            )
            """,
            """
            CREATE TABLE people (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                email TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
                password_hash TEXT NOT NULL,
                must_change_password INTEGER NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX people_household ON people (household_id)",
            """
            CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                zone TEXT NOT NULL,
                name TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'quarantined', 'decommissioned')),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                FOREIGN KEY (household_id, zone) REFERENCES zones (household_id, name)
            )
            """,
            "CREATE INDEX devices_household ON devices (household_id)",
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                person_id TEXT NOT NULL REFERENCES people (id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sessions_person ON sessions (person_id)",
            "CREATE INDEX sessions_expiry ON sessions (expires_at)",
            """
            CREATE TABLE hub_keys (
                name TEXT PRIMARY KEY,
                sealed_key {blob} NOT NULL,
                certificate_pem TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
        ]
    )

    /// The audit log (docs/audit.md): entries, the stored perfect subtrees of its Merkle tree,
    /// the head row that serializes appends, signed checkpoints and the audit signing keys.
    static let version2 = Migration(
        version: 2,
        name: "audit log",
        statements: [
            """
            CREATE TABLE audit_entries (
                seq BIGINT PRIMARY KEY,
                time BIGINT NOT NULL,
                household_id TEXT,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                reason TEXT NOT NULL,
                details TEXT,
                details_salt {blob},
                details_commitment {blob} NOT NULL,
                redacted_at BIGINT
            )
            """,
            // Searches filter by one of these and page by seq, so each index ends in seq.
            "CREATE INDEX audit_entries_household ON audit_entries (household_id, seq)",
            "CREATE INDEX audit_entries_actor ON audit_entries (actor, seq)",
            "CREATE INDEX audit_entries_subject ON audit_entries (subject, seq)",
            "CREATE INDEX audit_entries_action ON audit_entries (action, seq)",
            "CREATE INDEX audit_entries_time ON audit_entries (time)",
            """
            CREATE TABLE audit_nodes (
                level INTEGER NOT NULL,
                idx BIGINT NOT NULL,
                hash {blob} NOT NULL,
                PRIMARY KEY (level, idx)
            )
            """,
            """
            CREATE TABLE audit_head (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                size BIGINT NOT NULL
            )
            """,
            "INSERT INTO audit_head (singleton, size) VALUES (1, 0)",
            """
            CREATE TABLE audit_checkpoints (
                size BIGINT PRIMARY KEY,
                root_hash {blob} NOT NULL,
                created_at BIGINT NOT NULL,
                note TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE audit_keys (
                key_id TEXT PRIMARY KEY,
                verifier_key TEXT NOT NULL,
                sealed_key {blob} NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
        ]
    )

    /// The private PKI (docs/pki.md): CA certificates with their sealed keys, every certificate
    /// ever issued, the last CRL of each issuer, and a revision counter that every revocation
    /// bumps so that other processes notice it.
    static let version3 = Migration(
        version: 3,
        name: "private PKI",
        statements: [
            """
            CREATE TABLE ca_authorities (
                id TEXT PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('root', 'intermediate')),
                household_id TEXT REFERENCES households (id),
                zone TEXT,
                state TEXT NOT NULL CHECK (state IN ('active', 'retired', 'revoked')),
                certificate_der {blob} NOT NULL,
                sealed_key {blob} NOT NULL,
                key_fingerprint TEXT NOT NULL UNIQUE,
                not_before BIGINT NOT NULL,
                not_after BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT,
                crl_number BIGINT NOT NULL,
                audit_seq BIGINT NOT NULL
            )
            """,
            "CREATE INDEX ca_authorities_zone ON ca_authorities (household_id, zone, state)",
            """
            CREATE TABLE certificates (
                serial TEXT PRIMARY KEY,
                issuer_id TEXT NOT NULL REFERENCES ca_authorities (id),
                key_fingerprint TEXT NOT NULL UNIQUE,
                household_id TEXT REFERENCES households (id),
                device_id TEXT,
                zone TEXT NOT NULL,
                profile TEXT NOT NULL CHECK (profile IN ('device', 'gateway', 'server')),
                uri TEXT NOT NULL,
                not_before BIGINT NOT NULL,
                not_after BIGINT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
                revoked_at BIGINT,
                revocation_reason INTEGER,
                issued_audit_seq BIGINT NOT NULL,
                revoked_audit_seq BIGINT,
                renewed_from TEXT,
                certificate_der {blob} NOT NULL
            )
            """,
            "CREATE INDEX certificates_expiry ON certificates (not_after)",
            "CREATE INDEX certificates_device ON certificates (device_id, not_after)",
            "CREATE INDEX certificates_issuer ON certificates (issuer_id, status)",
            "CREATE INDEX certificates_status ON certificates (status, not_after)",
            """
            CREATE TABLE ca_crls (
                issuer_id TEXT PRIMARY KEY REFERENCES ca_authorities (id),
                crl_number BIGINT NOT NULL,
                this_update BIGINT NOT NULL,
                next_update BIGINT NOT NULL,
                crl_der {blob} NOT NULL
            )
            """,
            """
            CREATE TABLE pki_state (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                revision BIGINT NOT NULL,
                public_url TEXT NOT NULL
            )
            """,
        ]
    )

    static let version4 = Migration(
        version: 4,
        name: "device lifecycle: last seen, certificate origin",
        statements: [
            "ALTER TABLE devices ADD COLUMN last_seen_at BIGINT",
            """
            ALTER TABLE certificates ADD COLUMN origin TEXT NOT NULL DEFAULT 'admin'
                CHECK (origin IN ('admin', 'hub', 'pairing', 'renewal'))
            """,
            "UPDATE certificates SET origin = 'renewal' WHERE renewed_from IS NOT NULL",
            "UPDATE certificates SET origin = 'hub' WHERE device_id IS NULL",
            "CREATE INDEX certificates_renewed_from ON certificates (renewed_from)",
        ]
    )

    static let version5 = Migration(
        version: 5,
        name: "pairing: windows, code requests, expected devices, manufacturer attestation, transfers",
        statements: [
            """
            CREATE TABLE pairing_windows (
                household_id TEXT PRIMARY KEY REFERENCES households (id),
                opened_by TEXT NOT NULL,
                opened_at BIGINT NOT NULL,
                closes_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE pairing_requests (
                id TEXT PRIMARY KEY,
                user_code_digest TEXT NOT NULL UNIQUE,
                poll_token_digest TEXT NOT NULL UNIQUE,
                csr_der {blob} NOT NULL,
                commitment {blob} NOT NULL,
                hub_nonce {blob} NOT NULL,
                hub_key {blob} NOT NULL,
                device_nonce {blob},
                source TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                last_poll_at BIGINT,
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
                failed_verifications INTEGER NOT NULL,
                household_id TEXT REFERENCES households (id),
                device_id TEXT,
                certificate_serial TEXT,
                hub_proof {blob}
            )
            """,
            "CREATE INDEX pairing_requests_expiry ON pairing_requests (expires_at)",
            "CREATE INDEX pairing_requests_source ON pairing_requests (source, status)",
            """
            CREATE TABLE pairing_expectations (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                zone TEXT NOT NULL,
                name TEXT NOT NULL,
                sealed_keys {blob} NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                device_id TEXT
            )
            """,
            """
            CREATE TABLE manufacturer_roots (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                certificate_der {blob} NOT NULL,
                added_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE attestation_challenges (
                digest TEXT PRIMARY KEY,
                expires_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE attested_expectations (
                serial TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                zone TEXT,
                name TEXT NOT NULL,
                sealed_claim_keys {blob},
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                device_id TEXT
            )
            """,
            """
            CREATE TABLE device_transfers (
                device_id TEXT PRIMARY KEY REFERENCES devices (id),
                from_household TEXT NOT NULL REFERENCES households (id),
                to_household TEXT NOT NULL REFERENCES households (id),
                approved_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
        ]
    )

    static let version6 = Migration(
        version: 6,
        name: "OAuth: signing keys, clients, grants, tokens, codes, device authorizations; second factors; gateways",
        statements: [
            """
            CREATE TABLE oauth_signing_keys (
                kid TEXT PRIMARY KEY,
                sealed_key {blob} NOT NULL,
                public_jwk TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT,
                verify_until BIGINT
            )
            """,
            """
            CREATE TABLE oauth_clients (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                name TEXT NOT NULL,
                auth_method TEXT NOT NULL CHECK (auth_method IN ('none', 'private_key_jwt', 'tls_client_auth')),
                redirect_uris TEXT NOT NULL,
                grant_types TEXT NOT NULL,
                scope TEXT NOT NULL,
                jwks TEXT,
                tls_san_uri TEXT,
                device_id TEXT,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX oauth_clients_household ON oauth_clients (household_id)",
            """
            CREATE TABLE oauth_grants (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                client_id TEXT NOT NULL REFERENCES oauth_clients (id),
                subject TEXT NOT NULL,
                scope TEXT NOT NULL,
                auth_time BIGINT NOT NULL,
                acr TEXT,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                last_used_at BIGINT NOT NULL,
                revoked_at BIGINT,
                revoked_reason TEXT
            )
            """,
            "CREATE INDEX oauth_grants_household ON oauth_grants (household_id)",
            "CREATE INDEX oauth_grants_client ON oauth_grants (client_id)",
            """
            CREATE TABLE oauth_refresh_tokens (
                digest TEXT PRIMARY KEY,
                grant_id TEXT NOT NULL REFERENCES oauth_grants (id),
                jkt TEXT,
                created_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX oauth_refresh_tokens_grant ON oauth_refresh_tokens (grant_id)",
            """
            CREATE TABLE oauth_access_tokens (
                jti TEXT PRIMARY KEY,
                grant_id TEXT,
                client_id TEXT NOT NULL,
                household_id TEXT NOT NULL,
                subject TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX oauth_access_tokens_grant ON oauth_access_tokens (grant_id)",
            "CREATE INDEX oauth_access_tokens_expiry ON oauth_access_tokens (expires_at)",
            """
            CREATE TABLE oauth_codes (
                digest TEXT PRIMARY KEY,
                client_id TEXT NOT NULL,
                person_id TEXT NOT NULL,
                household_id TEXT NOT NULL,
                redirect_uri TEXT NOT NULL,
                scope TEXT NOT NULL,
                code_challenge TEXT NOT NULL,
                dpop_jkt TEXT,
                auth_time BIGINT NOT NULL,
                acr TEXT,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                grant_id TEXT
            )
            """,
            """
            CREATE TABLE oauth_device_authorizations (
                device_code_digest TEXT PRIMARY KEY,
                user_code_digest TEXT NOT NULL UNIQUE,
                client_id TEXT NOT NULL,
                scope TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                interval_seconds INTEGER NOT NULL,
                last_poll_at BIGINT,
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
                person_id TEXT,
                household_id TEXT,
                auth_time BIGINT,
                acr TEXT
            )
            """,
            """
            CREATE TABLE oauth_used_assertions (
                client_id TEXT NOT NULL,
                jti TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (client_id, jti)
            )
            """,
            """
            CREATE TABLE person_second_factors (
                person_id TEXT PRIMARY KEY REFERENCES people (id),
                sealed_secret {blob} NOT NULL,
                created_at BIGINT NOT NULL,
                confirmed_at BIGINT,
                last_step BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE person_recovery_codes (
                person_id TEXT NOT NULL REFERENCES people (id),
                digest TEXT NOT NULL,
                used_at BIGINT,
                PRIMARY KEY (person_id, digest)
            )
            """,
            "ALTER TABLE devices ADD COLUMN gateway_id TEXT",
        ]
    )

    static let version7 = Migration(
        version: 7,
        name: "access changes (the revision every process watches to cut off live sessions); MQTT sessions, queues, retained messages",
        statements: [
            """
            CREATE TABLE access_changes (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                revision BIGINT NOT NULL
            )
            """,
            "INSERT INTO access_changes (singleton, revision) VALUES (1, 0)",
            """
            CREATE TABLE mqtt_sessions (
                session_key TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                record TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE mqtt_queued (
                session_key TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                metadata TEXT NOT NULL,
                payload {blob} NOT NULL,
                PRIMARY KEY (session_key, sequence)
            )
            """,
            """
            CREATE TABLE mqtt_retained (
                household_id TEXT NOT NULL REFERENCES households (id),
                topic TEXT NOT NULL,
                metadata TEXT NOT NULL,
                payload {blob} NOT NULL,
                PRIMARY KEY (household_id, topic)
            )
            """,
        ]
    )

    /// Introspection checks that a certificate-bound token's certificate is still live, finding
    /// it by the identity its client names.
    static let version8 = Migration(
        version: 8,
        name: "certificates by identity",
        statements: ["CREATE INDEX certificates_uri ON certificates (uri)"]
    )

    /// Households and people (docs/people.md): a person is an account; memberships say what they
    /// are in each household (owner, member, guest) and which devices they may use when. A
    /// household can be suspended or deleted; a session picks one household (or the hub-operator
    /// role); invitations and account-recovery codes are kept only as digests.
    static let version9 = Migration(
        version: 9,
        name: "memberships, household states, hub operators, invitations, recovery codes",
        statements: [
            """
            CREATE TABLE memberships (
                person_id TEXT NOT NULL REFERENCES people (id),
                household_id TEXT NOT NULL REFERENCES households (id),
                role TEXT NOT NULL CHECK (role IN ('owner', 'member', 'guest')),
                zones TEXT,
                devices TEXT NOT NULL,
                starts_at BIGINT,
                ends_at BIGINT,
                days TEXT,
                hours TEXT,
                time_zone TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (person_id, household_id)
            )
            """,
            "CREATE INDEX memberships_household ON memberships (household_id)",
            "CREATE INDEX memberships_ends ON memberships (ends_at)",
            """
            INSERT INTO memberships (person_id, household_id, role, devices, created_at)
            SELECT id, household_id, role, '', created_at FROM people
            """,
            // A person belongs to no household by themselves any more.
            "DROP INDEX people_household",
            "ALTER TABLE people DROP COLUMN household_id",
            "ALTER TABLE people DROP COLUMN role",
            """
            CREATE TABLE hub_operators (
                person_id TEXT PRIMARY KEY REFERENCES people (id),
                created_at BIGINT NOT NULL
            )
            """,
            // The owners of the first household made the hub: they operate it.
            """
            INSERT INTO hub_operators (person_id, created_at)
            SELECT person_id, created_at FROM memberships WHERE role = 'owner'
            AND household_id = (SELECT id FROM households ORDER BY created_at, id LIMIT 1)
            """,
            "ALTER TABLE households ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'deleted'))",
            "ALTER TABLE households ADD COLUMN state_changed_at BIGINT",
            // NULL: a hub-operator session.
            "ALTER TABLE sessions ADD COLUMN household_id TEXT REFERENCES households (id)",
            "UPDATE sessions SET household_id = (SELECT household_id FROM memberships WHERE person_id = sessions.person_id)",
            "CREATE INDEX sessions_household ON sessions (household_id)",
            """
            CREATE TABLE invitations (
                id TEXT PRIMARY KEY,
                digest TEXT NOT NULL UNIQUE,
                household_id TEXT NOT NULL REFERENCES households (id),
                email TEXT,
                role TEXT NOT NULL CHECK (role IN ('owner', 'member', 'guest')),
                zones TEXT,
                devices TEXT NOT NULL,
                starts_at BIGINT,
                ends_at BIGINT,
                days TEXT,
                hours TEXT,
                time_zone TEXT,
                invited_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                accepted_at BIGINT,
                accepted_by TEXT,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX invitations_household ON invitations (household_id)",
            """
            CREATE TABLE account_recovery_codes (
                person_id TEXT NOT NULL REFERENCES people (id),
                digest TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                used_at BIGINT,
                PRIMARY KEY (person_id, digest)
            )
            """,
        ]
    )

    /// Password sign-in's failure counts (``SignInFailureRecords``), so every node on one
    /// database backs off the same accounts and addresses. Swept by `last_failure`.
    static let version10 = Migration(
        version: 10,
        name: "sign-in back-off shared between nodes",
        statements: [
            """
            CREATE TABLE sign_in_failures (
                throttle_key TEXT PRIMARY KEY,
                failures INTEGER NOT NULL,
                last_failure BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sign_in_failures_last ON sign_in_failures (last_failure)",
        ]
    )

    /// Console sessions end after a while unused as well as at their absolute expiry: `idle_until`
    /// is pushed forward as the session is used; NULL (API sessions) means no idle limit.
    static let version11 = Migration(
        version: 11,
        name: "idle timeouts of console sessions",
        statements: ["ALTER TABLE sessions ADD COLUMN idle_until BIGINT"]
    )

    /// A device's newest certificate (``PKIRecords/newestDeviceCertificates(household:)``, read
    /// for every device on each console device page) is found in this index alone: with only
    /// `certificates_device`, finding it read every certificate row of the device.
    static let version12 = Migration(
        version: 12,
        name: "newest certificate of a device",
        statements: ["CREATE INDEX certificates_device_newest ON certificates (device_id, issued_audit_seq)"]
    )

    /// Telemetry privacy (docs/privacy.md): declared flows per device or device model, the
    /// owner's consents per flow and recipient, the external brokers telemetry may be bridged
    /// to and what was sent there per day; a device's model; and which audit entries hold
    /// personal data (source addresses), which get their own, shorter retention.
    static let version13 = Migration(
        version: 13,
        name: "telemetry privacy",
        statements: [
            "ALTER TABLE devices ADD COLUMN model TEXT",
            """
            CREATE TABLE telemetry_flows (
                household_id TEXT NOT NULL REFERENCES households (id),
                scope TEXT NOT NULL,
                name TEXT NOT NULL,
                declaration TEXT NOT NULL,
                source TEXT NOT NULL,
                declared_at BIGINT NOT NULL,
                PRIMARY KEY (household_id, scope, name)
            )
            """,
            """
            CREATE TABLE flow_consents (
                household_id TEXT NOT NULL REFERENCES households (id),
                scope TEXT NOT NULL,
                flow TEXT NOT NULL,
                recipient TEXT NOT NULL,
                purpose TEXT NOT NULL,
                granted_by TEXT NOT NULL,
                granted_at BIGINT NOT NULL,
                PRIMARY KEY (household_id, scope, flow, recipient)
            )
            """,
            """
            CREATE TABLE bridge_destinations (
                household_id TEXT NOT NULL REFERENCES households (id),
                name TEXT NOT NULL,
                host TEXT NOT NULL,
                port INTEGER NOT NULL,
                topic_prefix TEXT NOT NULL,
                trust_roots TEXT NOT NULL,
                client_chain TEXT NOT NULL,
                sealed_client_key {blob} NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (household_id, name)
            )
            """,
            """
            CREATE TABLE bridge_daily (
                household_id TEXT NOT NULL REFERENCES households (id),
                destination TEXT NOT NULL,
                flow TEXT NOT NULL,
                day TEXT NOT NULL,
                messages BIGINT NOT NULL,
                bytes BIGINT NOT NULL,
                audited INTEGER NOT NULL,
                PRIMARY KEY (household_id, destination, flow, day)
            )
            """,
            "ALTER TABLE audit_entries ADD COLUMN personal INTEGER NOT NULL DEFAULT 0",
            "UPDATE audit_entries SET personal = 1 WHERE details LIKE '%\"source\":%'",
            "CREATE INDEX audit_entries_personal ON audit_entries (personal, time)",
        ]
    )

    static let version14 = Migration(
        version: 14,
        name: "privacy revision (what every process watches to reload the declared flows and consents)",
        statements: [
            "ALTER TABLE access_changes ADD COLUMN privacy_revision BIGINT NOT NULL DEFAULT 0",
        ]
    )

    /// Detection's alerts (docs/detection.md); `household_id` is NULL for a hub-wide one (a
    /// stranger guessing at the hub, who is in no household).
    static let version15 = Migration(
        version: 15,
        name: "detection alerts",
        statements: [
            """
            CREATE TABLE alerts (
                id TEXT PRIMARY KEY,
                household_id TEXT REFERENCES households (id),
                kind TEXT NOT NULL,
                suspect TEXT NOT NULL,
                severity TEXT NOT NULL,
                summary TEXT NOT NULL,
                evidence TEXT NOT NULL,
                actions TEXT NOT NULL,
                raised_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                acknowledged_at BIGINT,
                acknowledged_by TEXT
            )
            """,
            "CREATE INDEX alerts_household ON alerts (household_id, raised_at)",
            "CREATE INDEX alerts_open ON alerts (kind, suspect, acknowledged_at)",
            "CREATE INDEX alerts_acknowledged ON alerts (acknowledged_at)",
        ]
    )

    static let version16 = Migration(
        version: 16,
        name: "command history and held commands",
        statements: [
            // Counts of commands to devices of context-weighing zones, per commander, device and
            // hour of the day (UTC): what an unusual command is judged against.
            """
            CREATE TABLE command_history (
                household_id TEXT NOT NULL REFERENCES households (id),
                commander TEXT NOT NULL,
                device_id TEXT NOT NULL,
                hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
                count BIGINT NOT NULL,
                first_at BIGINT NOT NULL,
                last_at BIGINT NOT NULL,
                PRIMARY KEY (household_id, commander, device_id, hour)
            )
            """,
            // A command held for an owner's approval; its payload is cleared once refused or
            // delivered (by the running hub, which may not be the process that approved it).
            """
            CREATE TABLE held_commands (
                id TEXT PRIMARY KEY,
                household_id TEXT NOT NULL REFERENCES households (id),
                alert_id TEXT NOT NULL REFERENCES alerts (id),
                commander TEXT NOT NULL,
                device_id TEXT NOT NULL,
                topic TEXT NOT NULL,
                payload {blob},
                reason TEXT NOT NULL,
                held_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('held', 'approved', 'refused')),
                decided_at BIGINT,
                decided_by TEXT,
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX held_commands_alert ON held_commands (alert_id)",
            "CREATE INDEX held_commands_state ON held_commands (state, delivered_at)",
        ]
    )

    static let version17 = Migration(
        version: 17,
        name: "alert webhooks",
        statements: [
            // Where a household's alerts (scope: its id) or the hub-wide ones (scope 'hub') are
            // posted; the HMAC secret sealed under the KEK, as every secret the hub must use again.
            """
            CREATE TABLE alert_webhooks (
                scope TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                secret_sealed {blob} NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL
            )
            """,
            // One delivery per alert event, written in the transaction that records the event: an
            // outbox, so a crash between the alert and its post loses nothing.
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                scope TEXT NOT NULL,
                alert_id TEXT NOT NULL REFERENCES alerts (id),
                event TEXT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts INTEGER NOT NULL,
                next_at BIGINT NOT NULL,
                last_status INTEGER,
                last_error TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at)",
            "CREATE INDEX webhook_deliveries_scope ON webhook_deliveries (scope, created_at)",
        ]
    )

    static let version18 = Migration(
        version: 18,
        name: "detection baselines",
        statements: [
            // What detection learned of normal, stored every minute: `device:<id>` (messages per
            // second) or `client:<id>` (tokens a minute), in thousandths.
            """
            CREATE TABLE detection_baselines (
                subject TEXT PRIMARY KEY,
                rate_millis BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ]
    )

    static let version19 = Migration(
        version: 19,
        name: "firmware makers, releases and the TUF repository",
        statements: [
            // A maker signs its releases as a TUF delegated targets role (`maker-<id>`) with these
            // keys (`key_json`: the key as TUF metadata lists it), for these models only.
            """
            CREATE TABLE firmware_makers (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                threshold INTEGER NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE firmware_maker_keys (
                key_id TEXT PRIMARY KEY,
                maker_id TEXT NOT NULL REFERENCES firmware_makers (id),
                key_json TEXT NOT NULL,
                added_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE firmware_models (
                model TEXT PRIMARY KEY,
                maker_id TEXT NOT NULL REFERENCES firmware_makers (id),
                added_at BIGINT NOT NULL
            )
            """,
            // What the makers' metadata says, read once at publication, for the hub's own use
            // (posture, rollouts); the signed metadata in tuf_metadata is what devices trust.
            """
            CREATE TABLE firmware_releases (
                path TEXT PRIMARY KEY,
                maker_id TEXT NOT NULL REFERENCES firmware_makers (id),
                model TEXT NOT NULL,
                version TEXT NOT NULL,
                security_version BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                length BIGINT NOT NULL,
                notes TEXT NOT NULL,
                min_hub_version TEXT,
                published_at BIGINT NOT NULL,
                withdrawn_at BIGINT,
                withdrawn_reason TEXT,
                UNIQUE (model, version)
            )
            """,
            // Images by content address: a file in the data folder (SQLite) or a large object
            // (PostgreSQL, `large_object` its oid), so every node serves them.
            """
            CREATE TABLE firmware_images (
                sha256 TEXT PRIMARY KEY,
                length BIGINT NOT NULL,
                large_object BIGINT,
                stored_at BIGINT NOT NULL
            )
            """,
            // The hub's role keys, sealed under the KEK; a rotated key is retired, not deleted.
            """
            CREATE TABLE tuf_keys (
                key_id TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                private_sealed {blob} NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT
            )
            """,
            // Every version of every role's metadata, as served (consistent snapshots name files
            // by version, and root versions are walked one by one by clients).
            """
            CREATE TABLE tuf_metadata (
                role TEXT NOT NULL,
                version BIGINT NOT NULL,
                body {blob} NOT NULL,
                expires_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (role, version)
            )
            """,
        ]
    )

    static let version20 = Migration(
        version: 20,
        name: "firmware reports and posture rules",
        statements: [
            // What each device last said it runs, and where it said so (pairing, renewal, report).
            """
            CREATE TABLE device_firmware (
                device_id TEXT PRIMARY KEY REFERENCES devices (id),
                model TEXT NOT NULL,
                version TEXT NOT NULL,
                security_version BIGINT NOT NULL,
                sha256 TEXT,
                source TEXT NOT NULL,
                reported_at BIGINT NOT NULL
            )
            """,
            // An owner's minimum security version for the household, a zone or a model.
            """
            CREATE TABLE posture_rules (
                household_id TEXT NOT NULL REFERENCES households (id),
                scope_kind TEXT NOT NULL CHECK (scope_kind IN ('household', 'zone', 'model')),
                scope_value TEXT NOT NULL,
                minimum_security_version BIGINT NOT NULL,
                restriction TEXT NOT NULL CHECK (restriction IN ('update-only', 'quarantine')),
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                PRIMARY KEY (household_id, scope_kind, scope_value)
            )
            """,
        ]
    )

    static let version21 = Migration(
        version: 21,
        name: "firmware rollouts",
        statements: [
            // A staged rollout: its plan and progress (HearthFirmware's CampaignMachine, as JSON),
            // rewritten at each step in the transaction that audits the step.
            """
            CREATE TABLE firmware_campaigns (
                id TEXT PRIMARY KEY,
                model TEXT NOT NULL,
                phase TEXT NOT NULL,
                machine TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX firmware_campaigns_phase ON firmware_campaigns (phase)",
        ]
    )

    /// Processes reload the revocations made since the last one they saw
    /// (``PKIRecords/revokedSerials(after:)``): with only `certificates_status`, each reload read
    /// every revoked row to find the few new ones.
    static let version23 = Migration(
        version: 23,
        name: "revocations in the order made",
        statements: ["CREATE INDEX certificates_revoked_seq ON certificates (revoked_audit_seq)"]
    )

    static let version22 = Migration(
        version: 22,
        name: "audit witnesses",
        statements: [
            // Logs this hub witnesses (C2SP tlog-witness): each log's key and the latest
            // checkpoint cosigned for it, advanced only by a compare-and-set on its size.
            """
            CREATE TABLE witnessed_logs (
                origin TEXT PRIMARY KEY,
                verifier_key TEXT NOT NULL,
                size BIGINT NOT NULL,
                root_hash {blob},
                note TEXT,
                added_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            // Witnesses of this hub's audit log: where to submit checkpoints, the witness's key,
            // and the newest checkpoint it cosigned (the note with both signatures).
            """
            CREATE TABLE audit_witnesses (
                name TEXT PRIMARY KEY,
                verifier_key TEXT NOT NULL,
                url TEXT NOT NULL,
                ca_pem TEXT,
                size BIGINT NOT NULL,
                note TEXT,
                last_error TEXT,
                added_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ]
    )

    /// An alert webhook may name the roots its receiver's certificate chains to (a private CA),
    /// trusted for it in place of the system's.
    static let version24 = Migration(
        version: 24,
        name: "webhook trust roots",
        statements: ["ALTER TABLE alert_webhooks ADD COLUMN trust_roots_pem TEXT"]
    )

    /// Which scopes of a grant its tokens were used for, and when last: `hearth checkup` names
    /// grants broader than what their app uses. Written per minute from memory, not per use.
    static let version25 = Migration(
        version: 25,
        name: "grant scope use",
        statements: [
            """
            CREATE TABLE oauth_grant_scope_use (
                grant_id TEXT NOT NULL,
                household_id TEXT NOT NULL,
                scope TEXT NOT NULL,
                last_used_at BIGINT NOT NULL,
                PRIMARY KEY (grant_id, scope)
            )
            """,
        ]
    )

    /// Integrations (docs/home-assistant.md): a certificate profile of their own. A CHECK cannot
    /// be altered in SQLite, so the inventory is copied into a table that allows it, with every
    /// index the earlier versions made.
    static let version26 = Migration(
        version: 26,
        name: "integration certificates",
        statements: [
            """
            CREATE TABLE certificates_v26 (
                serial TEXT PRIMARY KEY,
                issuer_id TEXT NOT NULL REFERENCES ca_authorities (id),
                key_fingerprint TEXT NOT NULL UNIQUE,
                household_id TEXT REFERENCES households (id),
                device_id TEXT,
                zone TEXT NOT NULL,
                profile TEXT NOT NULL CHECK (profile IN ('device', 'gateway', 'server', 'integration')),
                uri TEXT NOT NULL,
                not_before BIGINT NOT NULL,
                not_after BIGINT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
                revoked_at BIGINT,
                revocation_reason INTEGER,
                issued_audit_seq BIGINT NOT NULL,
                revoked_audit_seq BIGINT,
                renewed_from TEXT,
                certificate_der {blob} NOT NULL,
                origin TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN ('admin', 'hub', 'pairing', 'renewal'))
            )
            """,
            "INSERT INTO certificates_v26 (serial, issuer_id, key_fingerprint, household_id, device_id, zone, profile, uri, not_before, not_after, status, revoked_at, revocation_reason, issued_audit_seq, revoked_audit_seq, renewed_from, certificate_der, origin) SELECT serial, issuer_id, key_fingerprint, household_id, device_id, zone, profile, uri, not_before, not_after, status, revoked_at, revocation_reason, issued_audit_seq, revoked_audit_seq, renewed_from, certificate_der, origin FROM certificates",
            "DROP TABLE certificates",
            "ALTER TABLE certificates_v26 RENAME TO certificates",
            "CREATE INDEX certificates_expiry ON certificates (not_after)",
            "CREATE INDEX certificates_device ON certificates (device_id, not_after)",
            "CREATE INDEX certificates_issuer ON certificates (issuer_id, status)",
            "CREATE INDEX certificates_status ON certificates (status, not_after)",
            "CREATE INDEX certificates_renewed_from ON certificates (renewed_from)",
            "CREATE INDEX certificates_uri ON certificates (uri)",
            "CREATE INDEX certificates_device_newest ON certificates (device_id, issued_audit_seq)",
            "CREATE INDEX certificates_revoked_seq ON certificates (revoked_audit_seq)",
        ]
    )

    /// DPoP proofs shared by every node (docs/oauth.md): a proof used on one node is refused
    /// on the others.
    static let version27 = Migration(
        version: 27,
        name: "shared DPoP replay protection",
        statements: [
            """
            CREATE TABLE dpop_used_proofs (
                jkt TEXT NOT NULL,
                jti TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (jkt, jti)
            )
            """,
            "CREATE INDEX dpop_used_proofs_expiry ON dpop_used_proofs (expires_at)",
        ]
    )

    /// What several nodes on one database share besides the records (docs/scale-out.md): token
    /// buckets of request limits, and leases — which node does the work only one may do, with a
    /// fence that grows at every change of holder.
    static let version28 = Migration(
        version: 28,
        name: "shared request limits and leases",
        statements: [
            """
            CREATE TABLE request_buckets (
                bucket_key TEXT PRIMARY KEY,
                millitokens BIGINT NOT NULL,
                updated BIGINT NOT NULL
            )
            """,
            "CREATE INDEX request_buckets_updated ON request_buckets (updated)",
            """
            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                fence BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
        ]
    )

    /// Where each node takes the MQTT clients other nodes relay to it: a household's MQTT is
    /// served by the holder of its lease (docs/scale-out.md), found here by the holder's name.
    static let version29 = Migration(
        version: 29,
        name: "hub nodes' relay addresses",
        statements: [
            """
            CREATE TABLE hub_nodes (
                name TEXT PRIMARY KEY,
                relay_address TEXT NOT NULL,
                seen_at BIGINT NOT NULL
            )
            """,
        ]
    )

    /// Detection across nodes (docs/scale-out.md): the hub-wide signals a node hands to the
    /// node judging them (the holder of the `detection` lease), a row per node and round, and the
    /// sources refused at connection, which every node reads.
    static let version30 = Migration(
        version: 30,
        name: "detection across nodes",
        statements: [
            """
            CREATE TABLE detection_signals (
                node TEXT NOT NULL,
                at BIGINT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE source_blocks (
                address TEXT PRIMARY KEY,
                blocked_until BIGINT NOT NULL,
                alert_id TEXT NOT NULL
            )
            """,
            "CREATE INDEX source_blocks_alert ON source_blocks (alert_id)",
        ]
    )
}
