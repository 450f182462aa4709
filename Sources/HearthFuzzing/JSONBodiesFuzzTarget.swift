import HearthServer

/// Every JSON body `/v1` and the pairing endpoints accept (``RequestBodyCatalog``), each read as
/// its route reads it; the first byte picks the body.
enum JSONBodiesFuzzTarget {
    static let target = FuzzTarget(name: "json-bodies", summary: "every /v1 and pairing JSON body (first byte: which)") { bytes in
        let input = FuzzInput(bytes)
        return (try? input.pick(RequestBodyCatalog.entries).read(input.rest)) != nil
    }
}
