import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP connection to 127.0.0.1, for the tests that need what an HTTP client hides:
/// connections that say nothing, half-sent request heads, and seeing the server hang up.
///
/// Every call blocks with `poll`, bounded by a limit that is only a safety net (a test waits
/// for an event, never asserts how long it took); async callers use the `async` forms, which
/// run them on a thread of their own, so Swift's cooperative pool is never held up.
final class RawConnection: @unchecked Sendable {
    // @unchecked: `descriptor` never changes; `isOpen` is only read and written under `lock`.
    let descriptor: Int32
    private let lock = NSLock()
    private var isOpen = true

    enum Failure: Error { case socket(String) }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Connects to 127.0.0.1:`port`.
    static func open(port: Int) throws -> RawConnection {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure.socket("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            RawConnection(descriptor: descriptor).close()
            throw Failure.socket("connect: errno \(code)")
        }
        return RawConnection(descriptor: descriptor)
    }

    /// Sends `text` (false when the server has already closed the connection).
    @discardableResult
    func send(_ text: String) -> Bool {
        guard lock.withLock({ isOpen }) else { return false }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            #if canImport(Glibc)
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            #else
            let sent = bytes.withUnsafeBytes { Darwin.send(descriptor, $0.baseAddress, $0.count, 0) }
            #endif
            guard sent > 0 else { return false }
            bytes = bytes.dropFirst(sent)
        }
        return true
    }

    /// What the server did within `limit`: closed the connection (after sending whatever it
    /// sent), or neither closed it nor finished a response.
    enum Outcome: Equatable {
        case closed(received: String)
        case open(received: String)
    }

    /// Reads until the server closes the connection or `limit` passes.
    func waitForClose(limit: Duration = .seconds(30)) -> Outcome {
        var received = Data()
        let deadline = ContinuousClock.now + limit
        while true {
            switch readSome(until: deadline) {
            case .data(let chunk): received.append(chunk)
            case .closed: return .closed(received: String(decoding: received, as: UTF8.self))
            case .timedOut: return .open(received: String(decoding: received, as: UTF8.self))
            }
        }
    }

    /// Whether the server has closed the connection already, without waiting.
    func isClosed() -> Bool {
        if case .closed = waitForClose(limit: .zero) { return true }
        return false
    }

    /// Sends one `GET path` (keep-alive) and reads its response; nil when the connection was
    /// closed before a whole response came.
    func get(_ path: String, limit: Duration = .seconds(30)) -> (status: Int, body: String)? {
        guard send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n") else { return nil }
        let deadline = ContinuousClock.now + limit
        var received = Data()
        while true {
            if let end = received.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
                let length = lines.dropFirst().compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                let body = received[end.upperBound...]
                if body.count >= length {
                    return (status, String(decoding: body.prefix(length), as: UTF8.self))
                }
            }
            switch readSome(until: deadline) {
            case .data(let chunk): received.append(chunk)
            case .closed, .timedOut: return nil
            }
        }
    }

    /// Closes the socket once; later calls do nothing. (Closing a descriptor twice could close
    /// whatever the process opened under the same number in between — the server's own socket,
    /// in these tests — so it must never happen.)
    func close() {
        let wasOpen = lock.withLock {
            defer { isOpen = false }
            return isOpen
        }
        guard wasOpen else { return }
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }

    deinit { close() }

    private enum Read { case data(Data), closed, timedOut }

    /// One `recv` once data (or the end) is there; `.closed` for an orderly close or a reset.
    private func readSome(until deadline: ContinuousClock.Instant) -> Read {
        guard lock.withLock({ isOpen }) else { return .closed } // never touch a number that may be reused
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let remaining = deadline - ContinuousClock.now
        let milliseconds = max(0, Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
        let ready = poll(&entry, 1, milliseconds)
        if ready < 0 { return errno == EINTR ? .data(Data()) : .closed }
        if ready == 0 { return .timedOut }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .data(Data(buffer[..<count])) }
        if count < 0 && errno == EINTR { return .data(Data()) }
        return .closed
    }
}

extension RawConnection {
    /// `waitForClose`, awaited without holding a thread of the cooperative pool.
    func closedByServer(limit: Duration = .seconds(30)) async -> Outcome {
        await blocking { [self] in waitForClose(limit: limit) }
    }

    /// `get`, awaited without holding a thread of the cooperative pool.
    func request(_ path: String) async -> (status: Int, body: String)? {
        await blocking { [self] in get(path) }
    }
}

/// Runs blocking socket work on a thread of its own and awaits its result. Expectations stay
/// in the awaiting task, where Swift Testing knows which test they belong to.
func blocking<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}
