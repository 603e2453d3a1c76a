using AgentOperator.DevCluster.Node;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// Runs one exec between the client's streams and the command in the container: stdin in (closed at the client's EOF),
/// stdout and stderr out until the command and whatever holds its output have closed them, resizes to the terminal,
/// then the outcome on the error stream. A client that leaves ends the command.
/// </summary>
internal static class ExecSession
{
    private static readonly TimeSpan FirstSizeWait = TimeSpan.FromSeconds(1);

    /// <summary>Runs the exec; <paramref name="translated"/>: the Status worded as kube-apiserver's stream translator words it (v5), else as the runtime does (v4).</summary>
    public static async Task RunAsync(ContainerExecTarget container, ExecOptions options, IExecStreams streams, bool translated, CancellationToken ct)
    {
        ExecProcess process;
        try
        {
            process = ExecProcess.Start(container, options.Command, options.Tty, options.Tty ? await FirstSizeAsync(streams, ct) : null);
        }
        catch (Exception e) when (e is IOException or Win32Exception)
        {
            await streams.WriteStatusAsync(ExecStatus.Internal($"unable to upgrade connection: container not found (\"{options.Container}\")"), ct);
            return;
        }

        using (process)
        using (var left = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var stdin = CopyStdinAsync(streams.Stdin, process.Stdin, left.Token);
            var stdout = PumpAsync(process.Stdout, streams.Stdout, left.Token);
            var stderr = PumpAsync(process.Stderr, streams.Stderr, left.Token);
            var resizes = ResizeAsync(streams, process, left.Token);
            int code;
            try
            {
                code = await process.Exited.WaitAsync(ct);
                await Task.WhenAll(stdout, stderr).WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                return;
            }
            finally
            {
                await left.CancelAsync();
                await Task.WhenAll(stdin, resizes);
            }

            await streams.WriteStatusAsync(Status(code, options, translated), ct);
        }
    }

    // kubectl sends its terminal's size as soon as the streams are up; the command should start at that size.
    private static async Task<TerminalSize?> FirstSizeAsync(IExecStreams streams, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(FirstSizeWait);
        try
        {
            return await streams.Resizes.WaitToReadAsync(wait.Token) && streams.Resizes.TryRead(out var size) ? size : null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static JsonObject Status(int code, ExecOptions options, bool translated) => code == 0
        ? ExecStatus.Success()
        : ExecStatus.NonZeroExit(code, translated
            ? $"command terminated with exit code {code.ToString(CultureInfo.InvariantCulture)}"
            : $"error executing command [{string.Join(' ', options.Command)}], exit code {code.ToString(CultureInfo.InvariantCulture)}");

    private static async Task CopyStdinAsync(Stream? from, Stream to, CancellationToken ct)
    {
        try
        {
            if (from is not null)
            {
                await from.CopyToAsync(to, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The command stopped reading (it ended), or the client left.
        }
        finally
        {
            try
            {
                to.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    // The command's output to the client as it comes (no buffering: a prompt shows at once); to nowhere if not asked for.
    private static async Task PumpAsync(Stream from, Stream? to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        var clientGone = false;
        int n;
        while ((n = await from.ReadAsync(buffer, ct)) > 0)
        {
            if (to is null || clientGone)
            {
                continue;
            }

            try
            {
                await to.WriteAsync(buffer.AsMemory(0, n), ct);
            }
            catch (IOException)
            {
                clientGone = true;
            }
        }
    }

    private static async Task ResizeAsync(IExecStreams streams, ExecProcess process, CancellationToken ct)
    {
        try
        {
            await foreach (var size in streams.Resizes.ReadAllAsync(ct))
            {
                await process.ResizeAsync(size, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
