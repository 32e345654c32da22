import Foundation
import Testing
@testable import WorkflowCore

@Suite("JSONValue")
struct JSONValueTests {
    @Test("JSON round-trips and integers stay integers")
    func roundTrip() throws {
        // setup
        let json = #"{"a":1999,"b":12.5,"c":"x","d":[true,null],"e":{"f":-3}}"#
        // act
        let value = try decodeValue(json)
        // verify
        #expect(value["a"] == .int(1999))
        #expect(value["b"] == .double(12.5))
        #expect(value["d"] == [true, nil])
        #expect(try decodeValue(try encodeJSON(value)) == value)
        #expect(value.compactJSON == json)
    }

    @Test("Huge numbers fall back to double; non-finite doubles encode as null")
    func numberEdgeCases() throws {
        #expect(try decodeValue("1e20") == .double(1e20))
        #expect(try encodeJSON(JSONValue.array([.double(.nan)])) == "[null]")
    }

    static let paths: [(String, JSONValue?)] = [
        ("a", 1), ("b.c", "x"), ("b.list.1.name", "second"), ("b.list.5", nil), ("b.list.x", nil),
        ("a.b", nil), ("", ["a": 1, "b": ["c": "x", "list": [["name": "first"], ["name": "second"]]]]),
        ("missing", nil),
    ]

    @Test("Dotted paths follow objects and array indexes", arguments: paths)
    func path(_ path: String, _ expected: JSONValue?) {
        let value: JSONValue = ["a": 1, "b": ["c": "x", "list": [["name": "first"], ["name": "second"]]]]
        #expect(value.path(path) == expected)
    }

    static let numbers: [(JSONValue, Double?)] = [
        (12, 12), (12.5, 12.5), ("12", 12), (" 7.5 ", 7.5), ("12 apples", nil), ("", nil), (true, nil), (nil, nil),
        ("1e3", 1000),
    ]

    @Test("numberValue reads numbers and numeric text", arguments: numbers)
    func numberValue(_ value: JSONValue, _ expected: Double?) {
        #expect(value.numberValue == expected)
    }

    static let empties: [(JSONValue, Bool)] = [
        (nil, true), ("", true), ("  \n", true), ([], true), ([:], true), ("x", false), (0, false), (false, false), ([1], false),
    ]

    @Test("isEmpty: null, blank text, empty list or object", arguments: empties)
    func isEmpty(_ value: JSONValue, _ expected: Bool) {
        #expect(value.isEmpty == expected)
    }

    static let texts: [(JSONValue, String)] = [
        (1500, "1500"), (.double(1500.0), "1500"), (12.25, "12.25"), (true, "true"), ("hi", "hi"),
        (["b": 1, "a": "x\"y"], #"{"a":"x\"y","b":1}"#), ([1, "two"], #"[1,"two"]"#),
    ]

    @Test("text renders values for interpolation", arguments: texts)
    func text(_ value: JSONValue, _ expected: String) {
        #expect(value.text == expected)
    }

    @Test("Subscripts and typed accessors")
    func accessors() {
        let v: JSONValue = ["s": "x", "n": [1, 2]]
        #expect(v["s"]?.stringValue == "x")
        #expect(v["n"]?[1] == 2)
        #expect(v["n"]?[9] == nil)
        #expect(v["nope"] == nil)
        #expect(JSONValue.int(3).stringValue == nil)
        #expect(JSONValue.double(4.0).intValue == 4)
        #expect(JSONValue.double(4.5).intValue == nil)
    }
}

@Suite("Blueprint")
struct BlueprintTests {
    @Test("The issue's example decodes with its exact field names")
    func decodesIssueExample() throws {
        // act
        let bp = try decodeBlueprint(issueExampleJSON)
        // verify
        #expect(bp.name == "Order → payment link")
        #expect(bp.nodes.map(\.id) == ["trigger", "check", "reply"])
        #expect(bp.nodes[1].nodeKind == .router)
        #expect(bp.nodes[2].position == Position(x: 480, y: 0))
        #expect(bp.edges[1] == Edge(source: "check", sourcePort: "big", target: "reply"))
    }

    @Test("The issue's example validates cleanly")
    func issueExampleValidates() throws {
        let bp = try decodeBlueprint(issueExampleJSON)
        #expect(Validator.validate(bp) == [])
    }

    @Test("Missing position, params and port take defaults")
    func tolerantDecoding() throws {
        // setup
        let json = #"{"name": "t", "nodes": [{"id": "a", "kind": "trigger", "service": "manual", "task": "start"}], "edges": [{"source": "a", "target": "b"}]}"#
        // act
        let bp = try decodeBlueprint(json)
        // verify
        #expect(bp.nodes[0].params == [:])
        #expect(bp.nodes[0].position == Position(x: 0, y: 0))
        #expect(bp.edges[0].sourcePort == "out")
    }

    @Test("An unknown kind decodes and becomes a validation issue, not a crash")
    func unknownKind() throws {
        // setup
        let json = #"{"name": "t", "nodes": [{"id": "a", "kind": "robot", "service": "x", "task": "y"}], "edges": []}"#
        // act
        let bp = try decodeBlueprint(json)
        let issues = Validator.validate(bp)
        // verify
        #expect(bp.nodes[0].nodeKind == nil)
        #expect(!issues.matching(node: "a", field: "kind").isEmpty)
    }

    @Test("Encoding writes source_port and round-trips")
    func encoding() throws {
        let bp = try decodeBlueprint(issueExampleJSON)
        let json = try encodeJSON(bp)
        #expect(json.contains(#""source_port":"big""#))
        #expect(try decodeBlueprint(json) == bp)
    }
}
