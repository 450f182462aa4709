import HearthAudit
import HearthHub
import Hummingbird

/// This hub as a witness (C2SP tlog-witness): `POST /witness/add-checkpoint`. No sign-in: the
/// checkpoint's signature by a log this hub was told to witness is the authentication, as the
/// protocol says. Answers are the protocol's: the cosignature line with 200, the witness's size
/// as `text/x.tlog.size` with 409, a one-line reason in plain text with the other refusals.
struct WitnessRoutes: Sendable {
    let witness: AuditWitness

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/witness/add-checkpoint") { request, _ in
                if let length = request.headers[.contentLength].flatMap(Int.init), length > AddCheckpointRequest.maximumBodySize {
                    throw Problem.bodyTooLarge
                }
                let body = try await request.body.collect(upTo: AddCheckpointRequest.maximumBodySize)
                switch try await witness.addCheckpoint(Array(body.readableBytesView)) {
                case .cosigned(let line):
                    return Self.text(.ok, line)
                case .refused(.conflict(let size, _)):
                    return Response(
                        status: .conflict, headers: [.contentType: "text/x.tlog.size"],
                        body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
                case .refused(let verdict):
                    return Self.text(HTTPResponse.Status(code: verdict.status), Self.reason(verdict) + "\n")
                }
            }
        ]
    }

    private static func reason(_ verdict: WitnessVerdict) -> String {
        switch verdict {
        case .cosign: ""
        case .malformed(let why), .forbidden(let why), .inconsistent(let why), .conflict(_, let why): why
        case .unknownLog(let origin): "this witness does not witness the log \(origin)"
        }
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
