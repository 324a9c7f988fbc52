import SyncCore
import Hummingbird

/// JSON responses. Bodies are written as canonical JSON text (via `JSONValue`) rather than
/// Codable, so operations go out in exactly their canonical wire form.
enum JSONBody {
    static func response(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func ok(_ value: JSONValue) -> Response {
        response(.ok, value.canonicalJSON)
    }
}
