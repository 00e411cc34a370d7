using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace PaxosActors.Remoting;

/// <summary>
/// One connection of <see cref="StreamTransport"/>: length-prefixed frames both ways. Writes
/// queue and one loop sends every frame queued so far in one TLS write; reads start when
/// Akka.Remote registers its listener, and the listener hears <see cref="Disassociated"/> once,
/// whichever side closed.
/// </summary>
internal sealed class StreamConnection : AssociationHandle
{
    // Beyond this many bytes queued and not yet written, Write says no and Akka.Remote's
    // endpoint writer buffers and backs off, as with DotNetty's write-buffer high-water mark.
    private const long HighWaterMark = 1 << 20;
    private const int BatchBytes = 64 * 1024;

    private readonly StreamTransport _transport;
    private readonly Stream _stream;
    private readonly Socket _socket;
    private readonly Channel<ByteString> _outbox = Channel.CreateUnbounded<ByteString>(new UnboundedChannelOptions { SingleReader = true });
    private long _queued;
    private int _closed;

    public StreamConnection(StreamTransport transport, Stream stream, Socket socket, Address local, Address remote)
        : base(local, remote)
    {
        _transport = transport;
        _stream = stream;
        _socket = socket;
        ReadHandlerSource = new TaskCompletionSource<IHandleEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = WriteLoopAsync();
        _ = ReadHandlerSource.Task.ContinueWith(t => ReadLoopAsync(t.Result), TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);
    }

    public override bool Write(ByteString payload)
    {
        if (Volatile.Read(ref _closed) != 0 || Interlocked.Read(ref _queued) > HighWaterMark)
        {
            return false;
        }

        Interlocked.Add(ref _queued, payload.Length);
        return _outbox.Writer.TryWrite(payload);
    }

    /// <summary>Sends what was queued, then closes (as DotNetty closes after the writes before it).</summary>
    [Obsolete("Akka.Remote calls it; others call Disassociate(reason, log).")]
    public override void Disassociate()
    {
        if (_outbox.Writer.TryComplete())
        {
            // A peer that stops reading must not hold the connection open for ever.
            _ = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => Close(), TaskScheduler.Default);
        }
    }

    /// <summary>Closes at once: queued writes are dropped, a blocked read or write ends.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _stream.Dispose();
        _transport.Forget(this);
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(BatchBytes);
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                buffer.ResetWrittenCount();
                var sent = 0L;
                while (buffer.WrittenCount < BatchBytes && reader.TryRead(out var payload))
                {
                    var header = buffer.GetSpan(4);
                    if (_transport.BigEndian)
                    {
                        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
                    }
                    else
                    {
                        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
                    }

                    buffer.Advance(4);
                    buffer.Write(payload.Span);
                    sent += payload.Length;
                }

                await _stream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                Interlocked.Add(ref _queued, -sent);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _transport.Log.Debug("Writing to {0} failed: {1}", RemoteAddress, e.Message);
        }
        catch (Exception e)
        {
            _transport.Log.Warning("Writing to {0} failed unexpectedly: {1}", RemoteAddress, e);
        }

        Close();
    }

    private async Task ReadLoopAsync(IHandleEventListener listener)
    {
        var buffer = new byte[BatchBytes];
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                var need = 4;
                while (end - start >= 4)
                {
                    var header = buffer.AsSpan(start, 4);
                    var length = _transport.BigEndian ? BinaryPrimitives.ReadInt32BigEndian(header) : BinaryPrimitives.ReadInt32LittleEndian(header);
                    if (length < 0 || length > _transport.MaximumPayloadBytes)
                    {
                        _transport.Log.Warning("Closing the connection with {0}: it sent a frame of {1} bytes, over maximum-frame-size ({2}).", RemoteAddress, length, _transport.MaximumPayloadBytes);
                        return;
                    }

                    if (end - start - 4 < length)
                    {
                        need = 4 + length;
                        break;
                    }

                    var payload = ByteString.CopyFrom(buffer, start + 4, length);
                    start += 4 + length;
                    listener.Notify(new InboundPayload(payload));
                }

                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                if (need > buffer.Length)
                {
                    Array.Resize(ref buffer, need);
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                end += read;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _transport.Log.Debug("Reading from {0} ended: {1}", RemoteAddress, e.Message);
        }
        catch (Exception e)
        {
            _transport.Log.Warning("Reading from {0} failed unexpectedly: {1}", RemoteAddress, e);
        }
        finally
        {
            Close();
            listener.Notify(new Disassociated(DisassociateInfo.Unknown));
        }
    }
}
