import Foundation
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Bad input never crashes, never corrupts and never costs the good operations beside it
/// (issue 9, items 8, 17 and 20).
@Suite("Promise: bad input costs only itself")
struct WirePromiseTests {
    @Test("one operation with a fractional or oversized number is refused alone; the rest of the push is stored")
    func badNumberRefusesOnlyItsOperation() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        let good = try device.record([.set(.member, "a1", "name", .string("A")), .set(.member, "a2", "name", .string("B"))])
        let body = """
            {"replica":"hqr","operations":[\(good[0].canonicalJSON),\
            {"v":1,"id":"hqr:90","hlc":"001767225600000-000000-hqr","author":"hq","entity":"case","entityId":"c1","field":"priority","key":"","op":"set","value":2.5,"context":[]},\
            {"v":1,"id":"hqr:91","hlc":"001767225600001-000000-hqr","author":"hq","entity":"case","entityId":"c1","field":"priority","key":"","op":"set","value":123456789012345678901234,"context":[]},\
            \(good[1].canonicalJSON)]}
            """
        try await harness.test { client in
            let answer = try await client.pushRaw(token, body: body)
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.acknowledged == good.map(\.id.description))
            #expect(answer.rejected == ["hqr:90": "invalid_value", "hqr:91": "invalid_value"])
        }
    }

    @Test("timestamps outside the wire format are refused at the door; the largest counter is accepted")
    func timestampsAreCheckedAtTheDoor() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        func op(_ counter: Int, hlc: String) -> String {
            """
            {"v":1,"id":"hqr:\(counter)","hlc":"\(hlc)","author":"hq","entity":"member","entityId":"a\(counter)","field":"name","key":"","op":"set","value":"A","context":[]}
            """
        }
        let body = "{\"replica\":\"hqr\",\"operations\":[" + [
            op(1, hlc: "001767225600000-999999-hqr"),
            op(2, hlc: "001767225600000-1000000-hqr"),
            op(3, hlc: "999999999999999-000000-hqr"),
        ].joined(separator: ",") + "]}"
        try await harness.test { client in
            let answer = try await client.pushRaw(token, body: body)
            #expect(answer.acknowledged == ["hqr:1"])
            #expect(answer.rejected == ["hqr:2": "malformed", "hqr:3": "malformed"])
        }
    }

    @Test("an id re-sent with text that differs only in Unicode normalisation is a different operation")
    func normalisationIsContent() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        let composed = try device.record([.set(.member, "a1", "name", .string("Jos\u{00E9}"))])[0]
        var decomposed = composed
        decomposed.value = .string("Jose\u{0301}")
        #expect(composed == decomposed, "Swift compares the two texts as equal")
        let resent = decomposed
        try await harness.test { client in
            #expect(try await client.push(token, replica: "hqr", [composed]).acknowledged == [composed.id.description])
            let answer = try await client.push(token, replica: "hqr", [resent])
            #expect(answer.rejected == [composed.id.description: "id_conflict"])
            let inBatch = try await client.push(token, replica: "hqr", [composed, resent])
            #expect(inBatch.rejected == [composed.id.description: "id_conflict"])
        }
    }

    @Test("a push body cut short by the client is a 400, never a server failure")
    func truncatedBodyIsTheClientsFault() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.app().test(.live) { client in
            let port = try #require(client.port)
            let request = "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nCivicSync-Protocol: 1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"replica\":\"hqr\",\"operations\":["
            let connection = try RawConnection.open(port: port)
            #expect(connection.send(request))
            connection.close()
            // The server notices the cut on its own time; the answer's status is what it counts.
            var exposition = ""
            for _ in 0..<50 {
                exposition = try await client.get("/metrics").body
                if exposition.contains("route=\"/v1/push\"") { break }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            let push = exposition.split(separator: "\n").filter { $0.contains("civicsync_http_requests_total") && $0.contains("/v1/push") }
            #expect(!push.isEmpty && push.allSatisfy { $0.contains("status=\"400\"") }, "\(push)")
        }
    }
}
