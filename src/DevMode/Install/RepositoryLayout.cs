namespace AgentOperator.DevMode.Install;

/// <summary>Where dev mode finds the CRDs, the operator's RBAC, the admission policies and the examples: the repository that holds <c>AgentOperator.sln</c>.</summary>
internal sealed record RepositoryLayout(string Root)
{
    public string CrdDirectory => Path.Combine(Root, "config", "crd", "bases");

    /// <summary>The operator's ServiceAccount, ClusterRoles and bindings, as an install applies them (a kustomization).</summary>
    public string RbacDirectory => Path.Combine(Root, "config", "rbac");

    /// <summary>ValidatingAdmissionPolicies and their bindings (a kustomization); an install without the folder has none.</summary>
    public string AdmissionDirectory => Path.Combine(Root, "config", "admission");

    public string ExamplesDirectory => Path.Combine(Root, "examples");

    /// <summary>The complete install a user applies with <c>kubectl apply -k</c>: CRDs, RBAC, the operator, the audit collector, admission policies.</summary>
    public string InstallDirectory => Path.Combine(Root, "config", "default");

    /// <summary>Where the images' publish output is kept between runs (gitignored), so a warm start publishes nothing.</summary>
    public string ImageCache => Path.Combine(Root, ".dev", "images");

    public string DefaultKubeconfig => Path.Combine(Root, ".dev", "kubeconfig");

    /// <summary>The first folder from <paramref name="start"/> upwards that holds AgentOperator.sln, or null.</summary>
    public static RepositoryLayout? Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
            {
                return new RepositoryLayout(directory.FullName);
            }
        }

        return null;
    }

    /// <summary>From the working directory, else from where the program is.</summary>
    public static RepositoryLayout? Locate() => Find(Environment.CurrentDirectory) ?? Find(AppContext.BaseDirectory);
}
