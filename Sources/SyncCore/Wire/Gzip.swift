import CompressNIO
import Foundation
import NIOCore

/// gzip for HTTP bodies (`Content-Encoding: gzip`), on zlib through compress-nio: the server's
/// compressed answers and compressed pushes, the client's compressed pushes.
///
/// A class because it owns a zlib stream (freed with it); one stream per body, never shared
/// between tasks.
public final class GzipStream {
    private let compressor: ZlibCompressor
    private static let chunkBytes = 64 * 1024

    /// `level` 1 (fastest) to 9 (smallest); 6 is zlib's usual balance.
    public init(level: Int32 = 6) throws {
        compressor = try ZlibCompressor(algorithm: .gzip, configuration: ZlibConfiguration(compressionLevel: level))
    }

    /// Compresses `input` (all of it is consumed) and answers the compressed bytes produced so
    /// far; `finish` ends the stream (its last call may pass an empty buffer).
    public func deflate(_ input: inout ByteBuffer, finish: Bool) throws -> [ByteBuffer] {
        // Nothing to add and not the end: nothing to do (zlib would answer "no progress").
        if input.readableBytes == 0 && !finish { return [] }
        var chunks: [ByteBuffer] = []
        let allocator = ByteBufferAllocator()
        if input.capacity == 0 { input = allocator.buffer(capacity: 16) } // zlib needs an address, even for no bytes
        while true {
            var output = allocator.buffer(capacity: Self.chunkBytes)
            var full = false
            do {
                try compressor.deflate(from: &input, to: &output, flush: finish ? .finish : .no)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                full = true
            }
            if output.readableBytes > 0 { chunks.append(output) }
            // "Full" with nothing written is zlib's "no progress possible": stop rather than spin.
            if full && output.readableBytes == 0 && input.readableBytes == 0 { return chunks }
            // Without `finish`, zlib keeps what it has not written yet for the next call.
            if full || (input.readableBytes > 0) { continue }
            return chunks
        }
    }

    /// One whole body, compressed.
    public static func compress(_ input: inout ByteBuffer, level: Int32 = 6) throws -> ByteBuffer {
        var whole = ByteBufferAllocator().buffer(capacity: max(64, input.readableBytes / 3))
        for var chunk in try GzipStream(level: level).deflate(&input, finish: true) { whole.writeBuffer(&chunk) }
        return whole
    }

    public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
        var input = ByteBuffer(bytes: data)
        let output = try compress(&input, level: level)
        return Data(output.readableBytesView)
    }

    /// Why a gzip body could not be read.
    public enum Failure: Error, Equatable {
        /// It decompresses to more than the limit (a compression bomb is stopped here, at the
        /// limit, having used no more memory than that).
        case tooLarge
        /// It is not gzip, or it is damaged.
        case corrupt
        /// It ends before the gzip stream does.
        case truncated
    }

    /// Decompresses one gzip body, refusing to produce more than `limit` bytes.
    public static func decompress(_ input: ByteBuffer, limit: Int) throws(Failure) -> ByteBuffer {
        let decompressor: ZlibDecompressor
        do { decompressor = try ZlibDecompressor(algorithm: .gzip) } catch { throw .corrupt }
        var input = input
        let allocator = ByteBufferAllocator()
        var whole = allocator.buffer(capacity: min(limit, max(1_024, input.readableBytes * 4)))
        /// One inflate call; answers how many bytes it produced.
        func step() throws(Failure) -> Int {
            var output = allocator.buffer(capacity: chunkBytes)
            do {
                try decompressor.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // The output is full: more may follow.
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                throw .truncated
            } catch {
                throw .corrupt
            }
            let produced = output.readableBytes
            guard whole.readableBytes + produced <= limit else { throw .tooLarge }
            whole.writeBuffer(&output)
            return produced
        }
        while input.readableBytes > 0 {
            let before = (input.readableBytes, whole.readableBytes)
            _ = try step()
            // No progress (bytes after the end of the stream): not one gzip body.
            if before == (input.readableBytes, whole.readableBytes) {
                throw .corrupt
            }
        }
        // All input is read: drain what zlib still holds, then ask once more with nothing. A
        // stream that ended answers its end again (no error); one cut short wants more input.
        input = allocator.buffer(capacity: 16)
        while try step() > 0 {}
        return whole
    }

    public static func decompress(_ data: Data, limit: Int) throws(Failure) -> Data {
        Data(try decompress(ByteBuffer(bytes: data), limit: limit).readableBytesView)
    }
}
