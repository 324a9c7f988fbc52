import NIOCore
import NIOHTTPTypes

/// Closes a connection whose first complete request head has not arrived within `timeout` of
/// the connection opening.
///
/// Why: a client that opens connections and then says nothing, or sends its header one byte at
/// a time (slowloris), would otherwise hold a connection — and a file descriptor, and a slot
/// under the connection cap — for as long as it likes; Hummingbird's idle timeout only restarts
/// on complete HTTP parts, so a trickled head is cut by it too, but only after the (longer) idle
/// timeout. Later requests on a kept-alive connection are bounded by that idle timeout.
///
/// One instance per connection, after the HTTP codec, so "complete head" is the codec's
/// judgement, not a guess from bytes.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private let onTimeout: @Sendable () -> Void
    private var timer: Scheduled<Void>?
    private var headReceived = false

    /// - Parameter onTimeout: called once for every connection closed by this timeout (metrics, logs).
    init(timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            headReceived = true
            disarm()
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard timer == nil, !headReceived else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            guard !headReceived else { return }
            onTimeout()
            context.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestHeadTimeoutHandler: Sendable {}
