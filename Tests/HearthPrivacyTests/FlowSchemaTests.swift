import HearthCore
import HearthPrivacy
import Testing

/// What the schema compiler refuses, and what a violation says (and never says).
@Suite struct FlowSchemaTests {
    static func schema(_ text: String) throws(HearthError) -> FlowSchema { try FlowSchema(json: Array(text.utf8)) }

    static func refusal(_ text: String) -> String? {
        do {
            _ = try schema(text)
            return nil
        } catch {
            #expect(error.code == .invalidInput)
            return error.reason
        }
    }

    @Test(arguments: [
        (#"{"properties": {"temp": {"type": "number", "format": "float"}}}"#, #"unsupported keyword "format" at /properties/temp/format"#),
        (#"{"oneOf": [true]}"#, #"unsupported keyword "oneOf" at /oneOf"#),
        (##"{"$ref": "#/x"}"##, #"unsupported keyword "$ref" at /$ref"#),
        (#"{"exclusiveMinimum": 0}"#, #"unsupported keyword "exclusiveMinimum" at /exclusiveMinimum"#),
        (#"{"items": {"prefixItems": []}}"#, #"unsupported keyword "prefixItems" at /items/prefixItems"#),
        (#"{"properties": {"a/b~": {"patternProperties": {}}}}"#, #"unsupported keyword "patternProperties" at /properties/a~1b~0/patternProperties"#),
        (#"{"additionalProperties": {"dependentRequired": {}}}"#, #"at /additionalProperties/dependentRequired"#),
    ])
    func unknownKeywordsAreRefusedByNameAndLocation(_ text: String, _ expected: String) {
        let reason = Self.refusal(text)
        #expect(reason?.contains(expected) == true, "\(reason ?? "accepted")")
    }

    @Test(arguments: [
        (#"{"minimum": "3"}"#, "\"minimum\" must be a number"),
        (#"{"maximum": null}"#, "\"maximum\" must be a number"),
        (#"{"required": "a"}"#, "\"required\" must be an array of strings"),
        (#"{"required": ["a", 1]}"#, "\"required\" must be an array of strings"),
        (#"{"required": ["a", "a"]}"#, "names a member twice"),
        (#"{"minLength": -1}"#, "\"minLength\" must be a non-negative integer"),
        (#"{"maxLength": 1.5}"#, "\"maxLength\" must be a non-negative integer"),
        (#"{"minItems": "2"}"#, "\"minItems\" must be a non-negative integer"),
        (#"{"type": "float"}"#, "\"type\" names must be"),
        (#"{"type": []}"#, "must not be an empty array"),
        (#"{"type": ["string", "string"]}"#, "names a type twice"),
        (#"{"type": 3}"#, "must be a string or an array"),
        (#"{"pattern": "("}"#, "not a regular expression"),
        (#"{"pattern": 3}"#, "\"pattern\" must be a string"),
        (#"{"enum": 3}"#, "\"enum\" must be an array"),
        (#"{"properties": []}"#, "\"properties\" must be an object"),
        (#"{"properties": {"a": 3}}"#, "a schema must be an object or a boolean at /properties/a"),
        (#"{"items": "x"}"#, "a schema must be an object or a boolean at /items"),
        (#"{"$schema": "http://json-schema.org/draft-07/schema#"}"#, "\"$schema\" must be"),
        (#"{"title": 3}"#, "\"title\" must be a string"),
        ("3", "a schema must be an object or a boolean at /"),
        ("{", "not JSON"),
    ])
    func wrongKeywordValuesAreRefused(_ text: String, _ expected: String) {
        let reason = Self.refusal(text)
        #expect(reason?.contains(expected) == true, "\(reason ?? "accepted")")
    }

    @Test func annotationsAndBooleanSchemasAreAccepted() throws {
        _ = try Self.schema(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t", "description": "d", "$comment": "c"}"#)
        _ = try Self.schema("true")
        _ = try Self.schema("false")
        _ = try Self.schema(#"{"properties": {"a": false}, "items": true, "additionalProperties": false, "minLength": 2.0}"#)
    }

    @Test func schemasAreEqualWhenTheirCanonicalTextsAre() throws {
        let one = try Self.schema(#"{"type": "object", "properties": {"a": {"maximum": 1.50}}}"#)
        let other = try Self.schema(#"{"properties":{"a":{"maximum":1.5}},"type":"object"}"#)
        #expect(one == other)
        #expect(one.hashValue == other.hashValue)
        #expect(try Self.schema(#"{"maximum": 2}"#) != Self.schema(#"{"maximum": 3}"#))
    }

    static func violation(_ schema: String, _ payload: String) throws -> SchemaViolation? {
        try Self.schema(schema).validate(try JSONDocument(payload))
    }

    @Test func violationsNameTheLocationAndKeyword() throws {
        let schema = #"""
            {"type": "object", "required": ["temp", "unit"], "additionalProperties": false,
             "properties": {"temp": {"type": "number", "maximum": 60}, "unit": {"enum": ["C", "F"]},
                            "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                            "a/b": {"type": "integer"}}}
            """#
        let maximum = try Self.violation(schema, #"{"temp": 61.5, "unit": "C"}"#)
        #expect(maximum == SchemaViolation(pointer: "/temp", keyword: "maximum", message: "maximum 60 exceeded"))
        #expect(maximum?.description == "/temp: maximum 60 exceeded")
        #expect(try Self.violation(schema, #"{"temp": 20}"#)?.description == #"required member "unit" missing"#)
        #expect(try Self.violation(schema, #"{"temp": 20, "unit": "K"}"#)?.description == "/unit: not one of the allowed values")
        #expect(try Self.violation(schema, #"{"temp": 20, "unit": "C", "tags": ["ok", "long"]}"#)?.description == "/tags/1: longer than maxLength 3")
        #expect(try Self.violation(schema, #"{"temp": 20, "unit": "C", "a/b": 1.5}"#)?.description == "/a~1b: not of type integer")
        #expect(try Self.violation(schema, #"{"temp": "hot", "unit": "C"}"#)?.keyword == "type")
        #expect(try Self.violation(schema, "[]")?.description == "not of type object")
        #expect(try Self.violation(schema, #"{"temp": 20, "unit": "C"}"#) == nil)
        #expect(try Self.violation(schema, #"{"\u0074emp": 20, "unit": "C"}"#) == nil)
    }

    @Test func violationsNeverQuoteThePayload() throws {
        let schema = #"""
            {"type": "object", "properties": {"id": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2}},
             "additionalProperties": {"type": "integer"}}
            """#
        let payloads = [
            #"{"id": "S3CRET-1234"}"#, #"{"id": "S"}"#, #"{"aa:bb:cc:dd:ee:ff": "S3CRET-1234"}"#,
            #"{"aa:bb:cc:dd:ee:ff": 1.5}"#,
        ]
        for payload in payloads {
            let violation = try #require(try Self.violation(schema, payload))
            for secret in ["S3CRET", "aa:bb", "1.5"] {
                #expect(!violation.description.contains(secret), "\(violation)")
                #expect(!violation.pointer.contains(secret))
            }
        }
        let undeclared = try Self.violation(#"{"additionalProperties": false}"#, #"{"aa:bb:cc:dd:ee:ff": 1}"#)
        #expect(undeclared == SchemaViolation(pointer: "", keyword: "additionalProperties", message: "undeclared member not allowed"))
    }

    /// A number without a minus sign is taken as at least 0 without being converted: only where
    /// no maximum applies and the minimum is 0 or less.
    @Test func boundsHoldWhetherOrNotTheNumberIsConverted() throws {
        let cases: [(String, String, Bool)] = [
            (#"{"minimum": 0}"#, "0", true), (#"{"minimum": 0}"#, "-0", true), (#"{"minimum": 0}"#, "-0.0", true),
            (#"{"minimum": 0}"#, "-1e-300", false), (#"{"minimum": 0}"#, "12e300", true), (#"{"minimum": -5}"#, "-5", true),
            (#"{"minimum": -5}"#, "-5.5", false), (#"{"minimum": -5}"#, "7", true), (#"{"minimum": 0.5}"#, "0.4", false),
            (#"{"minimum": 0, "maximum": 10}"#, "11", false), (#"{"minimum": 0, "maximum": 10}"#, "1e1", true),
            (#"{"maximum": 10}"#, "10.000001", false), (#"{"minimum": 0}"#, #""-1""#, true),
        ]
        for (schema, payload, valid) in cases {
            #expect(try (Self.violation(schema, payload) == nil) == valid, "\(schema) \(payload)")
        }
    }

    @Test func constAndEnumCompareAsJSONSchemaDoes() throws {
        let cases: [(String, String, Bool)] = [
            (#"{"const": 1}"#, "1.0", true), (#"{"const": 1}"#, "true", false), (#"{"const": false}"#, "0", false),
            (#"{"const": 0}"#, "-0.0", true), (#"{"const": {"a": [1, {"b": null}]}}"#, #"{"a": [1.0, {"b": null}]}"#, true),
            (#"{"const": {"a": 1, "b": 2}}"#, #"{"b": 2, "a": 1}"#, true), (#"{"const": {"a": 1}}"#, #"{"a": 1, "b": 2}"#, false),
            (#"{"const": [1, 2]}"#, "[2, 1]", false), (#"{"const": "é"}"#, #""\u00e9""#, true), (#"{"const": "é"}"#, #""e\u0301""#, false),
            (#"{"enum": [null, [true]]}"#, "[true]", true), (#"{"enum": [null, [true]]}"#, "[1]", false), (#"{"enum": []}"#, "null", false),
        ]
        for (schema, payload, valid) in cases {
            #expect(try (Self.violation(schema, payload) == nil) == valid, "\(schema) \(payload)")
        }
    }
}
