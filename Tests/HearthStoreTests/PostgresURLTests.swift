import HearthCore
import HearthStorePostgres
import PostgresNIO
import Testing

@Suite struct PostgresURLTests {
    @Test func poolSizeSetsTheConnectionsOfOneProcess() throws {
        let url = "postgres://hearth:s3cret@127.0.0.1:5432/hearth?sslmode=disable"
        #expect(try PostgresURL.configuration(from: url).options.maximumConnections == PostgresURL.defaultPoolSize)
        #expect(try PostgresURL.configuration(from: url + "&pool_size=6").options.maximumConnections == 6)
    }

    @Test(arguments: ["0", "-1", "1001", "many", ""])
    func aPoolSizeOutOfRangeIsRefusedWithoutThePassword(_ value: String) {
        let url = "postgres://hearth:s3cret@127.0.0.1/hearth?pool_size=" + value
        #expect {
            try PostgresURL.configuration(from: url)
        } throws: { error in
            "\(error)".contains("pool_size") && !"\(error)".contains("s3cret")
        }
    }
}
