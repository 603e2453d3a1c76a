using System.Globalization;
using AgentOperator.DevMode.Install;

namespace AgentOperator.DevMode;

/// <summary>Parses dev mode's flags.</summary>
internal static class DevModeCommandLine
{
    public const string Usage = """
        Usage: dotnet run --project src/DevMode [-- flags]   (or the built AgentOperator.DevMode [flags])

          --kubeconfig PATH      where to write the kubeconfig (default: .dev/kubeconfig in the repository)
          --image-cache PATH     where the published images are kept between runs (default: .dev/images in the repository)
          --port N               API server port on 127.0.0.1 (default: a free port)
          --no-ui                plain log lines instead of the live view (the default when output is redirected)
          --exit-after SECONDS   stop after this many seconds (default: run until Ctrl-C or SIGTERM)
          --no-examples          do not apply examples/
          --no-prometheus        start no Prometheus, even when it is installed (canary analysis then has no data)
          -h, --help             show this help
        """;

    /// <summary>The options, or the error to print with the usage; <paramref name="outputRedirected"/> turns the live view off.</summary>
    public static (DevModeOptions? Options, string? Error, bool Help) Parse(IReadOnlyList<string> args, RepositoryLayout? repository, bool outputRedirected)
    {
        if (repository is null)
        {
            return (null, "run dev mode from the repository (no AgentOperator.sln above the working directory)", false);
        }

        var options = new DevModeOptions { Kubeconfig = repository.DefaultKubeconfig, ImageCache = repository.ImageCache, Repository = repository, NoUi = outputRedirected };
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (arg)
            {
                case "-h" or "--help":
                    return (null, null, true);
                case "--no-ui":
                    options = options with { NoUi = true };
                    break;
                case "--no-examples":
                    options = options with { ApplyExamples = false };
                    break;
                case "--no-prometheus":
                    options = options with { UsePrometheus = false };
                    break;
                case "--kubeconfig":
                    if (Value() is not { Length: > 0 } path)
                    {
                        return (null, "--kubeconfig needs a path", false);
                    }

                    options = options with { Kubeconfig = Path.GetFullPath(path) };
                    break;
                case "--image-cache":
                    if (Value() is not { Length: > 0 } cache)
                    {
                        return (null, "--image-cache needs a path", false);
                    }

                    options = options with { ImageCache = Path.GetFullPath(cache) };
                    break;
                case "--port":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        return (null, "--port takes a port between 0 and 65535", false);
                    }

                    options = options with { ApiPort = port };
                    break;
                case "--exit-after":
                    if (!double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                    {
                        return (null, "--exit-after takes a positive number of seconds", false);
                    }

                    options = options with { ExitAfter = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    return (null, $"unknown argument '{arg}'", false);
            }
        }

        return (options, null, false);
    }
}
