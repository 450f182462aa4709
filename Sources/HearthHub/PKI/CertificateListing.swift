import HearthStore

/// One page of the certificate inventory, soonest expiry first.
public struct CertificatePage: Sendable {
    public let certificates: [CertificateRecord]
    /// Where the next page starts; nil on the last page.
    public let next: CertificatePosition?
}

extension HubPKI {
    /// The largest page the API serves; the CLI walks pages of this size.
    public static let maximumCertificatePage = 1000

    /// The certificates `query` selects from its `after` position, at most `query.limit` of them,
    /// and whether more follow — read with one extra row, so a full last page says it is last.
    public func certificates(_ query: CertificateQuery) async throws -> CertificatePage {
        var search = query
        search.limit = query.limit + 1
        let found = try await store.read { [search] db in try await db.pki.certificates(search) }
        let page = Array(found.prefix(query.limit))
        return CertificatePage(
            certificates: page, next: found.count > page.count ? page.last.map(CertificatePosition.init(after:)) : nil)
    }

    /// Every certificate `query` selects, page by page (each page its own read, so a long
    /// listing never holds one transaction open).
    public func allCertificates(_ query: CertificateQuery) -> AsyncThrowingStream<CertificateRecord, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var search = query
                search.limit = Self.maximumCertificatePage
                do {
                    while true {
                        let page = try await certificates(search)
                        for record in page.certificates { continuation.yield(record) }
                        guard let next = page.next else { break }
                        search.after = next
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
