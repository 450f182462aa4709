import Foundation
import HearthDetection
import Testing

@Suite struct WebhookTests {
    /// The vector was computed with Python's hmac (`hmac.new(secret, b"1700000000." + body,
    /// hashlib.sha256).hexdigest()`), the way a receiver checks it.
    @Test func theSignatureIsHMACSHA256OverTheTimeAndTheBody() {
        let body = Array(#"{"id":"whd_1"}"#.utf8)
        let signature = WebhookSignature(secret: Array("whsec_test".utf8), timestamp: 1_700_000_000, body: body)
        #expect(signature.headerValue == "t=1700000000,v1=a1b1f3e77a2f647870449a548eedebc016b0f416e5016b6bb665d5eba4958fdd")
        #expect(WebhookSignature.verify(signature.headerValue, body: body, secret: Array("whsec_test".utf8)))
    }

    @Test func anAlteredBodyTimeOrSecretDoesNotVerify() {
        let body = Array(#"{"id":"whd_1"}"#.utf8)
        let secret = Array("whsec_test".utf8)
        let header = WebhookSignature(secret: secret, timestamp: 1_700_000_000, body: body).headerValue
        #expect(!WebhookSignature.verify(header, body: Array(#"{"id":"whd_2"}"#.utf8), secret: secret))
        #expect(!WebhookSignature.verify(header.replacingOccurrences(of: "t=1700000000", with: "t=1700000001"), body: body, secret: secret))
        #expect(!WebhookSignature.verify(header, body: body, secret: Array("whsec_other".utf8)))
        for malformed in ["", "t=1", "v1=00", "t=x,v1=zz", "garbage"] {
            #expect(!WebhookSignature.verify(malformed, body: body, secret: secret), "\(malformed)")
        }
    }

    @Test func retriesDoubleFromFiveSecondsUpToAnHourAndStopAfterTenAttempts() {
        let retry = WebhookRetry()
        let waits = (1...9).map { retry.delay(afterFailure: $0, jitter: 0) }
        #expect(waits == [5, 10, 20, 40, 80, 160, 320, 640, 1280])
        #expect(retry.delay(afterFailure: 10, jitter: 0) == nil, "the tenth failure gives up")
        #expect(retry.delay(afterFailure: 0, jitter: 0) == nil)
        #expect(retry.delay(afterFailure: 1, jitter: 1) == 5.5, "jitter adds at most a tenth")
        var long = WebhookRetry()
        long.attempts = 20
        #expect(long.delay(afterFailure: 15, jitter: 0) == 3600, "capped at an hour")
        #expect(WebhookRetry.delivered(status: 204) && WebhookRetry.delivered(status: 200))
        #expect(!WebhookRetry.delivered(status: 301) && !WebhookRetry.delivered(status: 429) && !WebhookRetry.delivered(status: 503))
    }

    @Test func webhooksAreHTTPSOrPlainHTTPToThisMachineOnly() throws {
        for accepted in ["https://alerts.example.org/hearth", "https://192.168.1.5:8443/x", "http://127.0.0.1:9000/hook",
                         "http://localhost/hook", "http://[::1]:8080/"] {
            #expect(throws: Never.self, "\(accepted)") { _ = try WebhookAddress(accepted) }
        }
        let refused: [(String, WebhookAddress.Refusal)] = [
            ("http://192.168.1.5/hook", .scheme), ("ftp://example.org/", .scheme), ("http://127.0.0.1.example.org/", .scheme),
            ("https://user:pw@example.org/", .credentials), ("not a url", .notAURL), ("/relative", .notAURL), ("https://", .notAURL),
            ("https://example.org/" + String(repeating: "a", count: 2100), .tooLong),
        ]
        for (text, reason) in refused {
            #expect(throws: reason, "\(text)") { _ = try WebhookAddress(text) }
        }
    }
}
