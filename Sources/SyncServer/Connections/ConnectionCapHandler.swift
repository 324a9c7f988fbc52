import NIOCore
import NIOHTTPTypes

/// Admits a connection against the server's `ConnectionCounter` when it becomes active, and
/// closes it at once when the server already has its maximum open.
///
/// One instance per connection, in the connection's pipeline (after the HTTP codec; it only
/// looks at the channel's life, never at the data, which it passes through untouched). The slot
/// is given back when the channel's close future completes, so a connection is counted exactly
/// once however it ends (client gone, timeout, shutdown). Closing an over-the-cap connection
/// rather than leaving it in the listen backlog tells the client straight away, and never lets
/// waiting connections use up the process's file descriptors.
final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private enum State { case waiting, admitted, refused }

    private let counter: ConnectionCounter
    private let onRefused: @Sendable (_ refusals: Int) -> Void
    private var state = State.waiting

    /// - Parameter onRefused: called once for every connection closed because of the cap, with
    ///   the number refused so far (metrics, and logs that do not flood under a flood).
    init(counter: ConnectionCounter, onRefused: @escaping @Sendable (_ refusals: Int) -> Void) {
        self.counter = counter
        self.onRefused = onRefused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        // A refused connection is being closed: the handlers after this one never see it start.
        if state == .admitted { context.fireChannelActive() }
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard state == .waiting else { return }
        switch counter.acquire() {
        case .admitted:
            state = .admitted
            let counter = counter
            context.channel.closeFuture.whenComplete { _ in counter.release() }
        case .refused(let refusals):
            state = .refused
            onRefused(refusals)
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension ConnectionCapHandler: Sendable {}
