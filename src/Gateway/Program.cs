using System.Runtime.InteropServices;
using AgentOperator.Gateway.Cli;

// SIGTERM (the kubelet stopping the pod) and SIGINT (Ctrl-C) both stop the gateway cleanly: listeners closed,
// the audit log flushed, exit code 0. Cancelling the signal's default action keeps the process alive until then.
using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}

using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
return await GatewayCommandLine.RunAsync(args, Console.Out, Console.Error, stopping.Token);
