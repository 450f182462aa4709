import X509

extension Certificate {
    /// The URIs among the subject alternative names: a hub-issued certificate's identity.
    public var uniformResourceIdentifiers: [String] {
        guard let names = try? extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
    }
}
