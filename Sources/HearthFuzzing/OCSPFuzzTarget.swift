import Foundation
import HearthPKI
import X509

/// OCSP requests as `GET /ocsp/<base64>` and `POST /ocsp` deliver them. A request that parses is
/// answered by a real responder; the answer must be a DER response either way.
enum OCSPFuzzTarget {
    static let target = FuzzTarget(name: "ocsp", summary: "OCSP request parsing and answering") { bytes in
        let answer = try? responder.respond(to: bytes, now: FuzzFixtures.now) { serial in
            serial.last.map { $0 % 2 == 0 } == true ? .good : .unknown
        }
        FuzzInvariant.check(answer.map { !$0.isEmpty } ?? false, "the OCSP responder gave no answer")
        return (try? OCSPResponder.parse(bytes)) != nil
    }

    private static let responder = OCSPResponder(authority: FuzzFixtures.authority)
}
