using AgentOperator.Policy.Fuzz;
using SharpFuzz;

// AFL++ drives this process (see run-afl.sh): each input file goes through the parser and the decision pipeline.
// With an argument it runs the named files once instead, to reproduce a finding.
if (args.Length > 0)
{
    foreach (var path in args)
    {
        PolicyFuzzTarget.Run(File.ReadAllBytes(path));
    }

    return;
}

Fuzzer.OutOfProcess.Run(stream => PolicyFuzzTarget.Run(stream));
