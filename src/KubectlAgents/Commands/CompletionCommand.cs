using System.CommandLine;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// <c>completion bash|zsh|fish</c>: a script for the shell that asks this executable what completes the line (System.CommandLine's
/// <c>[suggest:POSITION]</c> directive), so completions always match the commands and options this build has.
/// </summary>
public static class CompletionCommand
{
    public const string Bash = """
        # kubectl-agents completion for bash: source <(kubectl-agents completion bash)
        _kubectl_agents() {
          local line="${COMP_LINE#* }"
          local position=$(( COMP_POINT - ${#COMP_LINE} + ${#line} ))
          local IFS=$'\n'
          COMPREPLY=( $(compgen -W "$(kubectl-agents "[suggest:${position}]" "${line}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _kubectl_agents kubectl-agents

        """;

    public const string Zsh = """
        #compdef kubectl-agents
        # kubectl-agents completion for zsh: source <(kubectl-agents completion zsh)
        _kubectl_agents() {
          local line="${BUFFER#* }"
          local -a completions
          completions=("${(@f)$(kubectl-agents "[suggest:$(( CURSOR - ${#BUFFER} + ${#line} ))]" "${line}" 2>/dev/null)}")
          compadd -- "${completions[@]}"
        }
        compdef _kubectl_agents kubectl-agents

        """;

    public const string Fish = """
        # kubectl-agents completion for fish: kubectl-agents completion fish | source
        function __kubectl_agents_complete
            set -l line (commandline -cp | string replace -r '^\S+\s*' '')
            kubectl-agents "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null
        end
        complete -c kubectl-agents -f -a '(__kubectl_agents_complete)'

        """;

    public static Command Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh or fish" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print the shell completion script (bash, zsh or fish)") { shell };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(parse.GetValue(shell) switch
            {
                "bash" => Bash,
                "zsh" => Zsh,
                _ => Fish,
            });
            return 0;
        });
        return command;
    }
}
