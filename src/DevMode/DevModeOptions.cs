using AgentOperator.DevMode.Install;

namespace AgentOperator.DevMode;

/// <summary>How dev mode runs; built by <see cref="DevModeCommandLine"/>. Every default is written on its property.</summary>
internal sealed record DevModeOptions
{
    /// <summary>Where the kubeconfig is written (<c>--kubeconfig</c>). Default <c>.dev/kubeconfig</c> in the repository.</summary>
    public required string Kubeconfig { get; init; }

    /// <summary>The repository whose <c>config/crd/bases</c> and <c>examples/</c> are applied.</summary>
    public required RepositoryLayout Repository { get; init; }

    /// <summary>Where the images' publish output is kept between runs (<c>--image-cache PATH</c>). Default <c>.dev/images</c> in the repository.</summary>
    public required string ImageCache { get; init; }

    /// <summary>API server port on 127.0.0.1 (<c>--port</c>); 0 (default) picks a free one.</summary>
    public int ApiPort { get; init; }

    /// <summary>Plain log lines instead of the live view (<c>--no-ui</c>); also chosen when the output is redirected.</summary>
    public bool NoUi { get; init; }

    /// <summary>Stop by itself after this long (<c>--exit-after SECONDS</c>), for tests and CI; null (default) runs until Ctrl-C or SIGTERM.</summary>
    public TimeSpan? ExitAfter { get; init; }

    /// <summary>Apply <c>examples/</c> (default true; <c>--no-examples</c> starts an empty cluster with the CRDs and the operator).</summary>
    public bool ApplyExamples { get; init; } = true;

    /// <summary>
    /// Scrape the gateways into a Prometheus dev mode starts itself when one is installed, which the workflows' analysis
    /// address reaches (default true); <c>--no-prometheus</c> starts none, so canary analysis has no data.
    /// </summary>
    public bool UsePrometheus { get; init; } = true;

    /// <summary>How often the view refreshes. Default 1 s.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);
}
